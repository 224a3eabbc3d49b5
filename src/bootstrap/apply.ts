/**
 * Applies a bootstrap file idempotently: applying it twice leaves the same state as once. Users are
 * matched by email (a changed password is set again, an unchanged one is left alone), clients by
 * client_id, APIs by identifier, organizations by slug. Problems are reported with the path of the
 * offending entry, e.g. `clients[1].redirect_uris[0]: Invalid URL`.
 *
 * Once per change: each entry (a person, an app, an API, a SAML service provider) and each part of an
 * organization (its name, members, groups, two-step policy, company ID settings) is applied only when
 * it differs from what this database last applied (a keyed digest per entry, with the files the entry
 * names), so a restart with the same file does not undo what administrators changed since (a primary
 * method set from the CLI, a password changed in My account) nor reset anyone's factors again. An
 * organization that no longer exists is created again with all its parts.
 */
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ZodError } from 'zod';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { bootstrapSchema, formatIssuePath } from './schema.js';
import { applyUser } from './users.js';
import { createSupportStore } from '../support/store.js';
import { applyAdminClient } from '../admin/bootstrap.js';
import { createFactorStore } from '../factors/store.js';
import { createAdminCore } from '../admin/core.js';
import { applyCompanyId } from '../connectors/bootstrap.js';
import { normalizeEmail } from '../accounts/store.js';
import { createBootstrapStore } from './store.js';
import type { samlBootstrap } from '../saml/bootstrap.js';
import { applySocialProviders } from '../connectors/social/bootstrap.js';
import { applyProvisioningNotify } from '../provisioning/bootstrap.js';
import { applyClientLaunchers, applyLauncherPart, launcherPartOf, liftTaggedNames, withoutLauncherKeys } from '../apps/bootstrap.js';
import { applyBranding } from '../branding/bootstrap.js';

export class BootstrapError extends Error {}
const NO_USER = 'no user with this email (add it under users)';

/** A digest of an entry as declared, keyed (entries hold passwords), with the files it names (`*_file`). */
function digester(encryptionKey: string, dir: string) {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKey, 'base64'), '', 'wayfinder bootstrap entry digest', 32));
  const files = (value: unknown, out: string[]): string[] => {
    if (Array.isArray(value)) value.forEach((v) => files(v, out));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.endsWith('_file') && typeof v === 'string') out.push(v);
        else files(v, out);
      }
    }
    return out;
  };
  return (value: unknown) => {
    const mac = createHmac('sha256', key).update(JSON.stringify(value ?? null));
    for (const f of files(value, [])) {
      try {
        mac.update(readFileSync(path.resolve(dir, f)));
      } catch {
        mac.update(`unreadable ${f}`);
      }
    }
    return mac.digest('base64url');
  };
}

export function parseBootstrap(text: string, source: string) {
  let raw: unknown;
  try {
    raw = YAML.parse(text) ?? {};
  } catch (e) {
    throw new BootstrapError(`${source}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = bootstrapSchema.safeParse(liftTaggedNames(raw));
  if (!parsed.success) {
    throw new BootstrapError(
      `${source}: ${parsed.error.issues.map((i) => `${formatIssuePath(i.path) || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface BootstrapReport {
  users: number;
  clients: number;
  resourceServers: number;
  organizations: number;
  samlServiceProviders: number;
  socialProviders?: number;
  generatedSecrets: Record<string, string>;
  /** Entries (and organization parts) left alone: unchanged since this database last applied them. */
  unchanged: number;
  /** What the operator still has to do (e.g. publish a DNS record to verify a domain). */
  notes: string[];
}

/**
 * Applies the file. `exclusive` (Postgres, where several instances may start at once) holds the
 * bootstrap lock meanwhile; PGlite has one process by construction (and one connection).
 */
export async function applyBootstrap(services: Services, file: string, opts: { exclusive?: boolean } = {}): Promise<BootstrapReport> {
  if (opts.exclusive) return createBootstrapStore(services.db).exclusively(() => applyFile(services, file));
  return applyFile(services, file);
}

async function applyFile(services: Services, file: string): Promise<BootstrapReport> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BootstrapError(`${file}: cannot read the bootstrap file`);
  }
  const data = parseBootstrap(text, file);
  const report: BootstrapReport = {
    users: 0,
    clients: 0,
    resourceServers: 0,
    organizations: 0,
    samlServiceProviders: 0,
    generatedSecrets: {},
    notes: [],
    unchanged: 0,
  };
  const dir = path.dirname(path.resolve(file));
  const store = createBootstrapStore(services.db);
  const applied = await store.applied();
  const digestOf = digester(services.config.secrets.encryptionKey, dir);
  /** Runs `apply` unless `entry` was last applied with the same content (or `force`); returns its notes. */
  async function once(entry: string, value: unknown, apply: () => Promise<string[] | void>, force = false) {
    const digest = digestOf(value);
    const last = applied.get(entry);
    if (!force && last?.digest === digest) {
      report.unchanged += 1;
      return last.notes;
    }
    const notes = (await apply()) ?? [];
    await store.record(entry, digest, notes);
    return notes;
  }
  const where = (path: string, fn: () => Promise<void>) =>
    fn().catch((e) => {
      if (e instanceof ZodError) throw new BootstrapError(`${file}: ${path}.${formatIssuePath(e.issues[0].path)}: ${e.issues[0].message}`);
      if (e instanceof AppError) throw new BootstrapError(`${file}: ${path}: ${e.message}`);
      throw e;
    });

  for (const [i, u] of data.users.entries()) {
    await where(`users[${i}]`, async () => {
      await once(`users/${normalizeEmail(u.email)}`, u, () => applyUser(services, u));
      report.users += 1;
    });
  }
  for (const [i, c] of data.clients.entries()) {
    await where(`clients[${i}]`, async () => {
      await once(`clients/${c.client_id}`, c, async () => {
        const { admin: _admin, trial_uri: _t, access: _a, target_link_uri: _l, client_names: _n, branding: _b, ...client } = c;
        const { generatedSecret } = await services.clients.upsert(client);
        if (generatedSecret) report.generatedSecrets[c.client_id] = generatedSecret;
      });
      report.clients += 1;
    });
  }
  for (const [i, r] of data.resource_servers.entries()) {
    await where(`resource_servers[${i}]`, async () => {
      await once(`resource_servers/${r.identifier}`, r, () => services.clients.upsertResource(r));
      report.resourceServers += 1;
    });
  }
  for (const [i, o] of data.organizations.entries()) {
    await where(`organizations[${i}]`, async () => {
      const { slug, name, members, groups, two_step: twoStep, support_session_limit: supportLimit, branding: _b, ...rest } = o;
      const { provisioning_notify_email: notifyEmail, provisioning_notify_language: notifyLang, ...companyId } = rest;
      const known = await services.orgs.findBySlug(slug);
      let orgId = known?.id ?? '';
      const gone = !known;
      await once(
        `organizations/${slug}`,
        { name },
        async () => {
          orgId = await services.orgs.upsert({ id: randomUUID(), slug, name });
        },
        gone,
      );
      await once(
        `organizations/${slug}/members`,
        members,
        async () => {
          for (const [j, m] of members.entries()) {
            const user = await services.accounts.findUserByEmail(m.email);
            if (!user) throw new BootstrapError(`${file}: organizations[${i}].members[${j}].email: ${NO_USER}`);
            await services.orgs.addMember(orgId, user.id, m.role);
            if (m.role === 'admin') await services.orgs.setBreakGlass(orgId, user.id, m.break_glass);
          }
        },
        gone,
      );
      const factorStore = createFactorStore(services.db);
      await once(
        `organizations/${slug}/groups`,
        groups,
        async () => {
          for (const [j, g] of groups.entries()) {
            for (const [k, email] of g.members.entries()) {
              const user = await services.accounts.findUserByEmail(email);
              if (!user) throw new BootstrapError(`${file}: organizations[${i}].groups[${j}].members[${k}]: ${NO_USER}`);
              await factorStore.addGroupMember(orgId, g.name, user.id);
            }
          }
        },
        gone,
      );
      // Set once per change of the file's policy: a primary method changed since by an administrator stays.
      if (twoStep) {
        await once(
          `organizations/${slug}/two_step`,
          twoStep,
          async () => {
            // The admin use-case (admin/organization.ts): the policy and its audit event, by `bootstrap`.
            const audit: typeof services.audit = {
              ...services.audit,
              record: (ctx, event) => services.audit.record(ctx, { ...event, actor: 'bootstrap' }),
            };
            await createAdminCore(services, { factors: factorStore, audit }).organization.setTwoStep(undefined, orgId, twoStep);
          },
          gone,
        );
      }
      if (supportLimit !== undefined)
        await once(
          `organizations/${slug}/support_session_limit`,
          supportLimit,
          () => createSupportStore(services.db).setOrgLimit(orgId, supportLimit),
          gone,
        );
      if (notifyEmail !== undefined) {
        const notify = { notifyEmail, notifyLang };
        await once(
          `organizations/${slug}/provisioning_notify`,
          notify,
          () => applyProvisioningNotify(services, orgId, notifyEmail, notifyLang),
          gone,
        );
      }
      const notes = await once(`organizations/${slug}/company_id`, companyId, () => applyCompanyId(services, orgId, o, dir), gone);
      report.notes.push(...notes.map((n) => `${slug}: ${n}`));
      report.organizations += 1;
    });
  }
  // After the organizations, which admin clients may name.
  for (const [i, c] of data.clients.entries())
    if (c.admin)
      await where(`clients[${i}]`, async () => {
        await once(`clients/${c.client_id}/admin`, c.admin, () => applyAdminClient(services, c.client_id, c.admin!));
      });
  await applyClientLaunchers(services, data.clients, { once, where, applied: (key) => applied.has(key) });
  await applyBranding(services, data, dir, once, where);
  if (data.saml_service_providers.length) {
    // Loaded only when needed: it brings samlify and libxml2.
    let register: ReturnType<typeof samlBootstrap> | undefined;
    for (const [i, sp] of data.saml_service_providers.entries()) {
      await where(`saml_service_providers[${i}]`, async () => {
        await once(`saml_service_providers[${i}]`, sp, async () => {
          register ??= (await import('../saml/bootstrap.js')).samlBootstrap(services, dir);
          await applyLauncherPart(services, 'saml', (await register(withoutLauncherKeys(sp))).id, launcherPartOf(sp));
        });
        report.samlServiceProviders += 1;
      });
    }
  }
  if (data.social_providers.length) {
    report.socialProviders = await applySocialProviders(services, data.social_providers, (at, entry, fn) =>
      where(at, async () => {
        await once(`social_providers/${entry.id}`, { entry, position: at }, fn);
      }),
    );
  }
  return report;
}
