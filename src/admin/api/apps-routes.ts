/**
 * The admin API's app operations (launcher fields and who may use each app): part of the table in
 * routes.ts. They are `global`: an operator sees every app without naming an organization; an
 * organization's administrator sees the apps for everyone and those listing their organization, and
 * changes only their own organization's entries in an app's access (src/apps/admin.ts).
 */
import { z } from 'zod';
import { appAccessInput, appUpdateInput, appView, type AppAdmin } from '../../apps/admin.js';
import type { Actor } from '../actor.js';
import { clientInputSchema } from '../../clients/registry.js';
import type { AdminClients } from '../clients.js';
import { MAX_METADATA_CHARS, spMetadataInput, type AdminSamlSps } from '../saml-sps.js';
import type { Call, Operation } from './routes.js';

const asAppActor = (a: Actor) => ({ who: a.who, orgId: a.operator ? undefined : a.orgId, operator: a.operator });

/** JSON-escaped metadata of the largest accepted size, with room for the settings. */
const uploadBytes = MAX_METADATA_CHARS * 2 + 65_536;

/** A client app's view, with its generated secret on the one answer that has it. */
const clientAppView = appView.extend({
  client_secret: z.string().optional().describe('The generated client secret: shown on this answer only, never again'),
});

export function appOperations(apps: AppAdmin, sps: AdminSamlSps, clients: AdminClients): Operation[] {
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
    {
      method: 'post',
      path: '/apps/saml',
      operationId: 'registerSamlApp',
      summary:
        'Register a SAML service provider from its metadata XML (409 if its entity ID is registered). ' +
        "An organization's administrator's new SP is for their organization only",
      tag: 'Apps',
      write: true,
      global: true,
      body: spMetadataInput,
      response: appView,
      status: 201,
      maxBodyBytes: uploadBytes,
      handle: async (c) => (await sps.register(c.ctx, asAppActor(c.actor), spMetadataInput.parse(c.body))).app,
    },
    {
      method: 'put',
      path: '/apps/{id}/saml-metadata',
      operationId: 'replaceSamlMetadata',
      summary:
        "Replace a SAML app's metadata (same entity ID; settings kept unless given). " +
        "An organization's administrator replaces only SPs of their organization alone",
      tag: 'Apps',
      write: true,
      global: true,
      body: spMetadataInput,
      response: appView,
      maxBodyBytes: uploadBytes,
      handle: async (c) => (await sps.replace(c.ctx, asAppActor(c.actor), id(c), spMetadataInput.parse(c.body))).app,
    },
    {
      method: 'post',
      path: '/apps/oidc',
      operationId: 'registerOidcApp',
      summary:
        'Register an OIDC client that signs people in from its RFC 7591 metadata (409 if its client_id is registered); ' +
        "a confidential client without a secret gets one generated, returned this once. An organization's administrator's " +
        'new client is for their organization only; client_credentials, admin or SCIM scopes and first-party clients are for operators',
      tag: 'Apps',
      write: true,
      global: true,
      body: clientInputSchema,
      response: clientAppView,
      status: 201,
      handle: (c) => clients.register(c.ctx, asAppActor(c.actor), clientInputSchema.parse(c.body)),
    },
    {
      method: 'put',
      path: '/apps/{id}/oidc-metadata',
      operationId: 'replaceOidcMetadata',
      summary:
        "Replace an OIDC app's client metadata (same client_id; its secret kept unless given). " +
        "An organization's administrator replaces only clients of their organization alone",
      tag: 'Apps',
      write: true,
      global: true,
      body: clientInputSchema,
      response: clientAppView,
      handle: (c) => clients.replace(c.ctx, asAppActor(c.actor), id(c), clientInputSchema.parse(c.body)),
    },
    {
      method: 'delete',
      path: '/apps/{id}',
      operationId: 'deleteApp',
      summary:
        'Remove an app (its OIDC client or SAML service provider): refused at once, an OIDC client gets no more tokens. ' +
        "An organization's administrator removes only apps of their organization alone",
      tag: 'Apps',
      write: true,
      global: true,
      status: 204,
      handle: async (c) => {
        const appId = id(c);
        if (appId.startsWith('oidc-')) await clients.removeApp(c.ctx, asAppActor(c.actor), appId);
        else await sps.remove(c.ctx, asAppActor(c.actor), appId);
      },
    },
  ];
}
