/**
 * The admin API's app operations (launcher fields and who may use each app): part of the table in
 * routes.ts. They are `global`: an operator sees every app without naming an organization; an
 * organization's administrator sees the apps for everyone and those listing their organization, and
 * changes only their own organization's entries in an app's access (src/apps/admin.ts).
 */
import { z } from 'zod';
import { appAccessInput, appUpdateInput, appView, type AppAdmin } from '../../apps/admin.js';
import type { Actor } from '../actor.js';
import type { Call, Operation } from './routes.js';

const asAppActor = (a: Actor) => ({ who: a.who, orgId: a.operator ? undefined : a.orgId, operator: a.operator });

export function appOperations(apps: AppAdmin): Operation[] {
  const id = (c: Call) => c.params.id;
  return [
    {
      method: 'get',
      path: '/apps',
      operationId: 'listApps',
      summary: 'Apps (OIDC clients and SAML SPs) with their launcher fields and who may use them',
      tag: 'Apps',
      write: false,
      global: true,
      response: z.object({ items: z.array(appView) }),
      handle: async (c) => ({ items: await apps.list(asAppActor(c.actor)) }),
    },
    {
      method: 'get',
      path: '/apps/{id}',
      operationId: 'getApp',
      summary: 'One app',
      tag: 'Apps',
      write: false,
      global: true,
      response: appView,
      handle: (c) => apps.get(asAppActor(c.actor), id(c)),
    },
    {
      method: 'put',
      path: '/apps/{id}',
      operationId: 'updateApp',
      summary: "Set an app's launcher fields: name, names by language, icon URL, launch and trial URLs (operators; null clears)",
      tag: 'Apps',
      write: true,
      global: true,
      body: appUpdateInput,
      response: appView,
      handle: (c) => apps.update(c.ctx, asAppActor(c.actor), id(c), appUpdateInput.parse(c.body)),
    },
    {
      method: 'put',
      path: '/apps/{id}/access',
      operationId: 'setAppAccess',
      summary:
        'Who may use an app: everyone, or organizations and groups ("<org>/<group>" or a group name). ' +
        "An organization's administrator replaces only their organization's entries, on apps that already list it",
      tag: 'Apps',
      write: true,
      global: true,
      body: appAccessInput,
      response: appView,
      handle: (c) => apps.setAccess(c.ctx, asAppActor(c.actor), id(c), appAccessInput.parse(c.body)),
    },
  ];
}
