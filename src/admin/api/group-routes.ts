/** The admin API's group operations (groups and their members): part of the table in routes.ts. */
import { z } from 'zod';
import { groupInput, groupListInput, groupView, memberInput, memberView, type AdminGroups } from '../groups.js';
import type { Call, Operation } from './routes.js';

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });

export function groupOperations(groups: AdminGroups): Operation[] {
  const id = (c: Call) => c.params.id;
  return [
    {
      method: 'get',
      path: '/groups',
      operationId: 'listGroups',
      summary: "The organization's groups by name (cursor pagination), with member counts and whether SCIM manages them",
      tag: 'Groups',
      write: false,
      query: groupListInput,
      response: page(groupView),
      handle: (c) => groups.list(c.orgId, groupListInput.parse(c.query)),
    },
    {
      method: 'post',
      path: '/groups',
      operationId: 'createGroup',
      summary: 'Create a group (names are unique in the organization: 409 group_exists)',
      tag: 'Groups',
      write: true,
      body: groupInput,
      response: groupView,
      status: 201,
      handle: (c) => groups.create(c.ctx, c.orgId, groupInput.parse(c.body)),
    },
    {
      method: 'get',
      path: '/groups/{id}',
      operationId: 'getGroup',
      summary: 'One group of the organization',
      tag: 'Groups',
      write: false,
      response: groupView,
      handle: (c) => groups.get(c.orgId, id(c)),
    },
    {
      method: 'put',
      path: '/groups/{id}',
      operationId: 'renameGroup',
      summary: 'Rename a group (the two-step policy follows; a group provisioned by SCIM: 409 managed_by_scim)',
      tag: 'Groups',
      write: true,
      body: groupInput,
      response: groupView,
      handle: (c) => groups.rename(c.ctx, c.orgId, id(c), groupInput.parse(c.body)),
    },
    {
      method: 'delete',
      path: '/groups/{id}',
      operationId: 'deleteGroup',
      summary: 'Delete a group (refused for SCIM groups and for a group the two-step policy names)',
      tag: 'Groups',
      write: true,
      status: 204,
      handle: (c) => groups.remove(c.ctx, c.orgId, id(c)),
    },
    {
      method: 'get',
      path: '/groups/{id}/members',
      operationId: 'listGroupMembers',
      summary: "A group's members by email (cursor pagination)",
      tag: 'Groups',
      write: false,
      query: groupListInput,
      response: page(memberView),
      handle: (c) => groups.members(c.orgId, id(c), groupListInput.parse(c.query)),
    },
    {
      method: 'post',
      path: '/groups/{id}/members',
      operationId: 'addGroupMember',
      summary: 'Add a person of the organization to a group (adding a member again changes nothing)',
      tag: 'Groups',
      write: true,
      body: memberInput,
      response: groupView,
      handle: (c) => groups.addMember(c.ctx, c.orgId, id(c), memberInput.parse(c.body)),
    },
    {
      method: 'delete',
      path: '/groups/{id}/members/{user_id}',
      operationId: 'removeGroupMember',
      summary: 'Remove a person from a group',
      tag: 'Groups',
      write: true,
      status: 204,
      handle: (c) => groups.removeMember(c.ctx, c.orgId, id(c), c.params.user_id),
    },
  ];
}
