/**
 * A SCIM client the way a company IdP's provisioning service talks: bearer token, application/scim+json,
 * every answer's status, headers and parsed body kept for assertions. Plus an organization with a
 * verified domain and a SCIM token to talk as.
 */
import type { TestServer } from './server.js';

export interface ScimAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export function scimClient(server: TestServer, token: string) {
  const base = `${server.url}/scim/v2`;
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/scim+json',
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
  return {
    base,
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown, headers?: Record<string, string>) => call('PUT', path, body, headers),
    patch: (path: string, operations: unknown[], headers?: Record<string, string>) =>
      call('PATCH', path, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }, headers),
    delete: (path: string) => call('DELETE', path),
  };
}
export type ScimClient = ReturnType<typeof scimClient>;

/** An organization with a verified domain (by the operator) and a SCIM token. */
export async function scimOrg(server: TestServer, slug: string, domain: string) {
  const s = server.services;
  const orgId = await s.orgs.upsert({ id: `org-${slug}`, slug, name: slug });
  const claim = await s.orgs.claimDomain({ id: `dom-${slug}`, org_id: orgId, domain, token: `t-${slug}` });
  await s.orgs.markVerified(claim.id, 'operator');
  const { token, id } = await server.features.provisioning.tokens.create(undefined, { via: 'cli' }, orgId, 'test');
  return { orgId, token, tokenId: id, scim: scimClient(server, token) };
}

export const filterQuery = (filter: string, extra = '') => `?filter=${encodeURIComponent(filter)}${extra}`;
