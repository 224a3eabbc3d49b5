/**
 * Provisioning-error notification: when an organization's SCIM requests keep failing, one mail to the
 * organization's notification address. Rules:
 * - a request counts for an organization when its token (or OAuth client) is the organization's, or
 *   when it is refused with a token the organization had (revoked, or the organization disabled);
 *   unknown tokens belong to nobody and count for no one;
 * - a request fails when it is answered 4xx or 5xx; any success ends the run of failures;
 * - the mail goes out when the last `threshold` requests (5) all failed within `windowMinutes` (15),
 *   and no such mail went to the organization within `quietMinutes` (60); the run and the last mail's
 *   time live in the database, so several instances count one run and send one mail;
 * - the mail names the organization, how many requests failed in a row, the last errors (method,
 *   path without its query, status, scimType) and the time; never a token, a filter or a body;
 * - without an address nothing is tracked and nothing is sent; a mail that cannot be sent gives its
 *   claim back so a later failure tries again; nothing here ever changes a SCIM answer;
 * - setting or clearing the address is audited (`scim.notify_changed`).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../audit/index.js';
import type { ScimFailure } from '../db/schema.js';
import { pickLanguage, type Language } from '../http/i18n.js';
import { badRequest } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { buildEmail } from '../notify/emails.js';
import type { Mailer } from '../notify/mailer.js';
import type { Services } from '../services.js';
import { createNotifyStore, type NotifyClaim, type NotifyStore } from './notify-store.js';
import type { Actor } from './users.js';

export const NOTIFY_DEFAULTS = { threshold: 5, windowMinutes: 15, quietMinutes: 60 };
export type NotifyOptions = typeof NOTIFY_DEFAULTS;

export interface NotifyDeps {
  store: NotifyStore;
  audit: Audit;
  log: Logger;
  /** Absent in the CLI, which only sets the address. */
  mailer?: Mailer;
  options?: Partial<NotifyOptions>;
}

/** A notification address, checked (a 400 otherwise); `lang` one of the 7 languages or none. */
export function checkAddress(email: string, lang?: string): { email: string; lang: Language | null } {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !z.email().safeParse(trimmed).success) throw badRequest('invalid_email', `${email} is not an email address`);
  const chosen = lang ? pickLanguage([lang]) : undefined;
  if (lang && !chosen) throw badRequest('invalid_language', `${lang} is not one of the languages: en, fr, de, es, it, pt, nl`);
  return { email: trimmed, lang: chosen ?? null };
}

const line = (f: ScimFailure) => `${f.at.replace(/\.\d+/, '')} ${f.method} ${f.path} → ${f.status}${f.scimType ? ` ${f.scimType}` : ''}`;

export function createFailureNotifier(d: NotifyDeps) {
  const o = { ...NOTIFY_DEFAULTS, ...d.options };

  async function send(orgId: string, claim: NotifyClaim) {
    const lang = pickLanguage([claim.lang ?? undefined]) ?? 'en';
    const latest = claim.last_errors[0]?.at ?? new Date().toISOString();
    const mail = buildEmail('provisioning_failing', lang, claim.email, {
      org: claim.name,
      count: claim.failures,
      time: new Date(latest).toISOString().replace(/\.\d+Z$/, 'Z'),
      details: claim.last_errors.map(line),
    });
    try {
      await d.mailer!.send(mail);
      d.log.info({ orgId, failures: claim.failures }, 'SCIM provisioning failures: notification sent');
    } catch (err) {
      d.log.error({ orgId, err: { message: (err as Error).message } }, 'SCIM provisioning failures: notification could not be sent');
      await d.store.release(orgId);
    }
  }

  return {
    options: o,

    /** A SCIM request of the organization succeeded. */
    succeeded: (orgId: string) => d.store.reset(orgId),

    /** A SCIM request of the organization failed; sends the mail when the run calls for it (not awaited). */
    async failed(orgId: string, failure: Omit<ScimFailure, 'at'>) {
      const kept = await d.store.recordFailure(orgId, failure, o.threshold);
      if (!d.mailer || kept === undefined || kept < o.threshold) return;
      const claim = await d.store.claim(orgId, o.threshold, o.windowMinutes, o.quietMinutes);
      if (claim) void send(orgId, claim);
    },

    address: (orgId: string) => d.store.address(orgId),

    /** Sets (or, with null, clears) where the organization's notification goes. */
    async setAddress(ctx: Context | undefined, actor: Actor, orgId: string, email: string | null, lang?: string) {
      const checked = email === null ? { email: null, lang: null } : checkAddress(email, lang);
      await d.store.setAddress(orgId, checked.email, checked.lang);
      await d.audit.record(ctx, {
        type: 'scim.notify_changed',
        outcome: 'success',
        userId: actor.userId,
        data: { orgId, via: actor.via, set: checked.email !== null, lang: checked.lang },
      });
      return checked;
    },
  };
}
export type FailureNotifier = ReturnType<typeof createFailureNotifier>;

/** The notifier over the services' database (the server adds its mailer; the CLI and bootstrap only set addresses). */
export const notifierOf = (s: Pick<Services, 'db' | 'audit' | 'log'>, more: Pick<NotifyDeps, 'mailer' | 'options'> = {}) =>
  createFailureNotifier({ store: createNotifyStore(s.db), audit: s.audit, log: s.log, ...more });
