/**
 * Applies a bootstrap file idempotently: applying it twice leaves the same state as once. Users are
 * matched by email (a changed password is set again, an unchanged one is left alone), clients by
 * client_id, APIs by identifier, organizations by slug. Problems are reported with the path of the
 * offending entry, e.g. `clients[1].redirect_uris[0]: Invalid URL`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ZodError } from 'zod';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { bootstrapSchema, formatIssuePath } from './schema.js';
import { createFactorStore } from '../factors/store.js';
import { setTwoStepPolicy } from '../factors/admin.js';
import { applyCompanyId } from '../connectors/bootstrap.js';
import { applySocialProviders } from '../connectors/social/bootstrap.js';

/** Imports an existing TOTP secret once (idempotent: an identical secret is not added twice). */
async function importTotpSecret(services: Services, email: string, secret: string) {
  const user = (await services.accounts.findUserByEmail(email))!;
  const store = createFactorStore(services.db);
  const existing = (await store.factorsOf(user.id)).filter((f) => f.kind === 'totp' && f.secret_enc);
  if (existing.some((f) => services.box.open(f.secret_enc!, 'factor-secret') === secret)) return;
  await store.insertFactor({ user_id: user.id, kind: 'totp', label: 'Authenticator app (imported)', secret_enc: services.box.seal(secret, 'factor-secret'), confirmed: true });
}

export class BootstrapError extends Error {}

export function parseBootstrap(text: string, source: string) {
  let raw: unknown;
  try {
    raw = YAML.parse(text) ?? {};
  } catch (e) {
    throw new BootstrapError(`${source}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = bootstrapSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BootstrapError(`${source}: ${parsed.error.issues.map((i) => `${formatIssuePath(i.path) || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export interface BootstrapReport {
  users: number; clients: number; resourceServers: number; organizations: number; samlServiceProviders: number; socialProviders?: number;
  generatedSecrets: Record<string, string>;
  /** What the operator still has to do (e.g. publish a DNS record to verify a domain). */
  notes: string[];
}

export async function applyBootstrap(services: Services, file: string): Promise<BootstrapReport> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BootstrapError(`${file}: cannot read the bootstrap file`);
  }
  const data = parseBootstrap(text, file);
  const report: BootstrapReport = { users: 0, clients: 0, resourceServers: 0, organizations: 0, samlServiceProviders: 0, generatedSecrets: {}, notes: [] };
  const where = (path: string, fn: () => Promise<void>) => fn().catch((e) => {
    if (e instanceof ZodError) throw new BootstrapError(`${file}: ${path}.${formatIssuePath(e.issues[0].path)}: ${e.issues[0].message}`);
    if (e instanceof AppError) throw new BootstrapError(`${file}: ${path}: ${e.message}`);
    throw e;
  });

  for (const [i, u] of data.users.entries()) {
    await where(`users[${i}]`, async () => {
      const existing = await services.accounts.findUserByEmail(u.email);
      const profile = { name: u.name ?? null, given_name: u.given_name ?? null, family_name: u.family_name ?? null, locale: u.locale ?? null };
      if (!existing) {
        await services.users.create({ ...profile, email: u.email, password: u.password, email_verified: u.email_verified, status: u.status });
      } else {
        await services.accounts.updateUser(existing.id, { ...profile, email_verified: u.email_verified, status: u.status });
        if (u.password !== undefined && !(await services.users.hasPassword(existing.id, u.password))) {
          await services.users.setPassword(existing, u.password);
        }
      }
      if (u.totp_secret) await importTotpSecret(services, u.email, u.totp_secret);
      report.users += 1;
    });
  }
  for (const [i, c] of data.clients.entries()) {
    await where(`clients[${i}]`, async () => {
      const { generatedSecret } = await services.clients.upsert(c);
      if (generatedSecret) report.generatedSecrets[c.client_id] = generatedSecret;
      report.clients += 1;
    });
  }
  for (const [i, r] of data.resource_servers.entries()) {
    await where(`resource_servers[${i}]`, async () => {
      await services.clients.upsertResource(r);
      report.resourceServers += 1;
    });
  }
  for (const [i, o] of data.organizations.entries()) {
    await where(`organizations[${i}]`, async () => {
      const orgId = await services.orgs.upsert({ id: randomUUID(), slug: o.slug, name: o.name });
      for (const [j, m] of o.members.entries()) {
        const user = await services.accounts.findUserByEmail(m.email);
        if (!user) throw new BootstrapError(`${file}: organizations[${i}].members[${j}].email: no user with this email (add it under users)`);
        await services.orgs.addMember(orgId, user.id, m.role);
        if (m.role === 'admin') await services.orgs.setBreakGlass(orgId, user.id, m.break_glass);
      }
      const factorStore = createFactorStore(services.db);
      for (const [j, g] of o.groups.entries()) {
        for (const [k, email] of g.members.entries()) {
          const user = await services.accounts.findUserByEmail(email);
          if (!user) throw new BootstrapError(`${file}: organizations[${i}].groups[${j}].members[${k}]: no user with this email (add it under users)`);
          await factorStore.addGroupMember(orgId, g.name, user.id);
        }
      }
      if (o.two_step) await setTwoStepPolicy(factorStore, orgId, o.two_step);
      report.notes.push(...(await applyCompanyId(services, orgId, o, path.dirname(path.resolve(file)))).map((n) => `${o.slug}: ${n}`));
      report.organizations += 1;
    });
  }
  if (data.saml_service_providers.length) {
    // Loaded only when needed: it brings samlify and libxml2.
    const { samlBootstrap } = await import('../saml/bootstrap.js');
    const register = samlBootstrap(services, path.dirname(path.resolve(file)));
    for (const [i, sp] of data.saml_service_providers.entries()) {
      await where(`saml_service_providers[${i}]`, async () => {
        await register(sp);
        report.samlServiceProviders += 1;
      });
    }
  }
  if (data.social_providers.length) report.socialProviders = await applySocialProviders(services, data.social_providers, where);
  return report;
}
