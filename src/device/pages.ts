/**
 * The device sign-in pages (RFC 8628 user interaction): enter the code, confirm the device. Rules:
 * - a code given in the address (verification_uri_complete) only fills the field in: the person
 *   still presses Continue and then confirms, so a link sent by someone else never signs a stranger's
 *   device in without the confirmation page (phishing defence);
 * - the confirmation names the app, the address the device asked from and about when it asked.
 */
import type { Context } from 'koa';
import { renderPage } from '../http/views.js';

/** The user-code alphabet (oidc-provider's base-20: no vowels, so no 0/O, 1/I look-alikes, no words). */
const CODE_CHARS = /[^BCDFGHJKLMNPQRSTVWXZ]/g;

/** A user code as typed or linked, reduced to its letters (at most 16), or undefined when none is left. */
export function normalizeUserCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const letters = raw.toUpperCase().replace(CODE_CHARS, '').slice(0, 16);
  return letters || undefined;
}

/** As shown: XXXX-XXXX. */
export const formatUserCode = (code: string) => (code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);

export function renderCodeEntry(ctx: Context, f: { action: string; xsrf: string; error?: string; value?: string }, status = 200) {
  const t = ctx.state.t;
  renderPage(ctx, 'device-input', { title: t('device.title'), ...f }, status);
}

/** "10:42 (about 3 minutes ago)" in the page's language; undefined without a time. */
export function whenRequested(ctx: Context, at: unknown): string | undefined {
  if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  const lang = (ctx.state.lang as string | undefined) ?? 'en';
  const time = new Intl.DateTimeFormat(lang, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(at);
  const minutes = Math.max(0, Math.round((Date.now() - at) / 60_000));
  const ago = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(-minutes, 'minute');
  return `${time} (${ago})`;
}
