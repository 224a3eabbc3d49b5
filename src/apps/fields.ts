/**
 * What may be said about an app in the launcher (bootstrap keys, CLI flags, admin API), validated.
 * Rules:
 * - every URL a person's browser is sent to or loads is https, or http on a loopback host
 *   (localhost, 127.0.0.1, [::1]) for local development; no other scheme (javascript:, data:, …),
 *   no user name or password in it; at most 2,000 characters (a client's initiate_login_uri: https only,
 *   as OpenID Connect Registration requires);
 * - names: up to 200 characters; language tags like `fr` or `pt-BR`;
 * - who may use it: `organizations` (slugs) and `groups`, where a group is `<org slug>/<group name>`
 *   or a plain `<group name>` (that group in each listed organization, or in any organization when
 *   none is listed). Absent: everyone. Present, it needs at least one entry.
 */
import { z } from 'zod';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function launcherUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'a URL with a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return 'must be an https URL (http only on localhost)';
}

export const launcherUrl = z
  .string()
  .max(2000)
  .superRefine((v, ctx) => {
    const problem = launcherUrlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** OIDC Registration's initiate_login_uri is https only (oidc-provider refuses a client with anything else). */
export const httpsUrl = launcherUrl.refine((v) => v.startsWith('https:'), 'must be an https URL');

export const langTag = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as fr or pt-BR');
export const appName = z.string().trim().min(1).max(200);

export const accessSchema = z
  .strictObject({
    organizations: z.array(z.string().min(1).max(63)).max(1000).default([]),
    groups: z.array(z.string().min(1).max(170)).max(1000).default([]),
  })
  .refine((a) => a.organizations.length + a.groups.length > 0, {
    message: 'name at least one organization or group (leave access out for everyone)',
  });
export type AccessInput = z.input<typeof accessSchema>;

/** A group entry: `<org slug>/<group name>` or a plain `<group name>`. */
export function parseGroupEntry(entry: string): { org?: string; name: string } {
  const m = /^([a-z0-9][a-z0-9-]{1,62})\/(.+)$/.exec(entry);
  return m ? { org: m[1], name: m[2] } : { name: entry };
}

/** Language-tagged names from registration-style keys (`client_name#fr`, `display_name#de`). */
export function taggedNames(entry: Record<string, unknown>, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) {
    const tag = k.startsWith(`${key}#`) ? k.slice(key.length + 1) : undefined;
    if (tag !== undefined && typeof v === 'string') out[tag] = v;
  }
  return out;
}
