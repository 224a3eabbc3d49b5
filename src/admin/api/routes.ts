/**
 * The admin API's operations, as data: method, path, scope, input and output schemas, handler. The
 * router (router.ts) and the OpenAPI document (openapi.ts) are both built from this one table, so
 * the document cannot drift from what is served, and the cross-organization test walks it.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import { inviteInput, userListInput, userView, type AdminUsers } from '../users.js';
import { notifyInput, notifyView, scimTokenInput, scimTokenView, type AdminOrganization } from '../organization.js';
import type { AdminCompany } from '../company.js';
import type { AdminPurge } from '../purge.js';
import type { AdminGroups } from '../groups.js';
import { groupOperations } from './group-routes.js';
import { policyOperations } from './policy-routes.js';
import type { AdminSessions } from '../sessions.js';
import { companyOperations } from './company-routes.js';
import { appOperations } from './apps-routes.js';
import type { AppAdmin } from '../../apps/admin.js';
import type { AdminSamlSps } from '../saml-sps.js';
import type { AdminClients } from '../clients.js';
import { auditEventView, auditExportInput, auditFilterInput, type AdminAuditLog } from '../audit-log.js';
import { brandingOperations, type AdminBranding } from '../../branding/admin.js';

export interface Call {
  ctx: Context;
  actor: Actor;
  /** The organization acted on (organization routes only; '' for an operator on a `global` operation). */
  orgId: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: /users/{id}. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  write: boolean;
  /** Not of one organization: an operator calls it without ?org= (the use-case scopes an organization's administrator). */
  global?: boolean;
  query?: z.ZodObject;
  body?: z.ZodObject;
  response?: z.ZodType;
  status?: number;
  /** Streamed exports: the media types the answer may have (chosen by the `format` parameter). */
  produces?: string[];
  /** A body limit above the server's default (uploads). */
  maxBodyBytes?: number;
  handle(c: Call): Promise<unknown>;
}

export interface AdminUseCases {
  users: AdminUsers;
  organization: AdminOrganization;
  audit: AdminAuditLog;
  company: AdminCompany;
  apps: AppAdmin;
  samlSps: AdminSamlSps;
  clients: AdminClients;
  branding: AdminBranding;
  purge: AdminPurge;
  groups: AdminGroups;
  sessions: AdminSessions;
}

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });
const created = z.object({ id: z.string(), token: z.string() });

export function operations(u: AdminUseCases): Operation[] {
  const id = (c: Call) => c.params.id;
  return [
    {
      method: 'get',
      path: '/users',
      operationId: 'listUsers',
      summary: "List the organization's people (search by email or name prefix; cursor pagination)",
      tag: 'Users',
      write: false,
      query: userListInput,
      response: page(userView),
      handle: (c) => u.users.list(c.orgId, userListInput.parse(c.query)),
    },
    {
      method: 'post',
      path: '/users',
      operationId: 'inviteUser',
      summary: 'Invite a person (an activation mail is sent)',
      tag: 'Users',
      write: true,
      body: inviteInput,
      response: userView,
      status: 201,
      handle: (c) => u.users.invite(c.ctx, c.orgId, inviteInput.parse(c.body)),
    },
    {
      method: 'get',
      path: '/users/{id}',
      operationId: 'getUser',
      summary: 'One person of the organization',
      tag: 'Users',
      write: false,
      response: userView,
      handle: (c) => u.users.get(c.orgId, id(c)),
    },
    {
      method: 'post',
      path: '/users/{id}/disable',
      operationId: 'disableUser',
      summary: 'Disable a person: ends their sessions and revokes their tokens at once',
      tag: 'Users',
      write: true,
      response: userView,
      handle: (c) => u.users.disable(c.ctx, c.actor, c.orgId, id(c)),
    },
    {
      method: 'post',
      path: '/users/{id}/enable',
      operationId: 'enableUser',
      summary: 'Enable a disabled person again',
      tag: 'Users',
      write: true,
      response: userView,
      handle: (c) => u.users.enable(c.ctx, c.actor, c.orgId, id(c)),
    },
    {
      method: 'post',
      path: '/users/{id}/reset-factors',
      operationId: 'resetUserFactors',
      summary: "Remove a person's second factors and trusted devices (they set one up at their next sign-in)",
      tag: 'Users',
      write: true,
      response: userView,
      handle: (c) => u.users.resetFactors(c.ctx, c.actor, c.orgId, id(c)),
    },
    {
      method: 'post',
      path: '/users/{id}/force-password-reset',
      operationId: 'forcePasswordReset',
      summary: 'Force a password reset: the password stops working, sessions and tokens end, a reset link is mailed',
      tag: 'Users',
      write: true,
      response: userView,
      handle: (c) => u.users.forcePasswordReset(c.ctx, c.actor, c.orgId, id(c)),
    },
    {
      method: 'delete',
      path: '/users/{id}',
      operationId: 'deleteUser',
      summary: 'Delete a person: signed out and tokens revoked at once, hidden, purged after the retention period',
      tag: 'Users',
      write: true,
      status: 204,
      handle: (c) => u.users.remove(c.ctx, c.actor, c.orgId, id(c)),
    },
    {
      method: 'get',
      path: '/scim-tokens',
      operationId: 'listScimTokens',
      summary: "The organization's SCIM tokens, with their last use",
      tag: 'SCIM',
      write: false,
      response: z.object({ items: z.array(scimTokenView) }),
      handle: async (c) => ({ items: await u.organization.scimTokens(c.orgId) }),
    },
    {
      method: 'post',
      path: '/scim-tokens',
      operationId: 'createScimToken',
      summary: 'Create a SCIM bearer token (shown once in this answer, stored hashed)',
      tag: 'SCIM',
      write: true,
      body: scimTokenInput,
      response: created,
      status: 201,
      handle: (c) => u.organization.createScimToken(c.ctx, c.orgId, scimTokenInput.parse(c.body)),
    },
    {
      method: 'delete',
      path: '/scim-tokens/{id}',
      operationId: 'revokeScimToken',
      summary: 'Revoke a SCIM token (refused at once)',
      tag: 'SCIM',
      write: true,
      status: 204,
      handle: (c) => u.organization.revokeScimToken(c.ctx, c.orgId, id(c)),
    },
    {
      method: 'get',
      path: '/scim-notify',
      operationId: 'getScimNotify',
      summary: 'Where a mail goes when SCIM provisioning keeps failing',
      tag: 'SCIM',
      write: false,
      response: notifyView,
      handle: (c) => u.organization.notifyAddress(c.orgId),
    },
    {
      method: 'put',
      path: '/scim-notify',
      operationId: 'setScimNotify',
      summary: 'Set (or with null clear) the provisioning-error notification address and its language',
      tag: 'SCIM',
      write: true,
      body: notifyInput,
      response: notifyView,
      handle: (c) => u.organization.setNotifyAddress(c.ctx, c.orgId, notifyInput.parse(c.body)),
    },
    {
      method: 'get',
      path: '/audit-events',
      operationId: 'listAuditEvents',
      summary: 'Audit events of the organization, newest first (filters: person, type, time range)',
      tag: 'Audit log',
      write: false,
      query: auditFilterInput,
      response: page(auditEventView),
      handle: (c) => u.audit.list(c.orgId, auditFilterInput.parse(c.query)),
    },
    {
      method: 'get',
      path: '/audit-events/export',
      operationId: 'exportAuditEvents',
      summary: 'The selected audit events as CSV or JSON lines, streamed',
      tag: 'Audit log',
      write: false,
      query: auditExportInput,
      produces: ['text/csv', 'application/x-ndjson'],
      handle: async (c) => u.audit.export(c.orgId, auditExportInput.parse(c.query)),
    },
    ...groupOperations(u.groups),
    ...policyOperations(u.organization, u.sessions),
    ...companyOperations(u.company),
    ...appOperations(u.apps, u.samlSps, u.clients),
    ...brandingOperations(u.branding),
  ];
}
