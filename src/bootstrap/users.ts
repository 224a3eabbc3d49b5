/** The people of a bootstrap file (apply.ts): created, or their profile, status and password set again. */
import type { z } from 'zod';
import type { Services } from '../services.js';
import { createFactorStore } from '../factors/store.js';
import type { bootstrapSchema } from './schema.js';

/** Imports an existing TOTP secret once (idempotent: an identical secret is not added twice). */
async function importTotpSecret(services: Services, email: string, secret: string) {
  const user = (await services.accounts.findUserByEmail(email))!;
  const store = createFactorStore(services.db);
  const existing = (await store.factorsOf(user.id)).filter((f) => f.kind === 'totp' && f.secret_enc);
  if (existing.some((f) => services.box.open(f.secret_enc!, 'factor-secret') === secret)) return;
  await store.insertFactor({
    user_id: user.id,
    kind: 'totp',
    label: 'Authenticator app (imported)',
    secret_enc: services.box.seal(secret, 'factor-secret'),
    confirmed: true,
  });
}

type BootstrapUser = z.output<typeof bootstrapSchema>['users'][number];

/** A person of the file: created, or their profile, status and (when it changed) password set again. */
export async function applyUser(services: Services, u: BootstrapUser) {
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
}
