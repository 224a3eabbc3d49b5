/**
 * Translated emails: each is a subject, a greeting, one paragraph, optional detail lines (a list), an
 * optional button link and a closing note, all from the locale files (keys mail.<kind>.*). HTML parts
 * are escaped.
 */
import { translator, type Language } from '../http/i18n.js';
import type { Mail } from './mailer.js';
import { humanDuration } from './duration.js';
import { DEFAULT_BRAND, type Brand } from '../branding/brand.js';

export type EmailKind =
  | 'verify_email'
  | 'reset_password'
  | 'reset_sso'
  | 'reset_forced'
  | 'invitation'
  | 'signup_existing'
  | 'password_changed'
  | 'login_code'
  | 'provisioning_failing'
  | 'support_invite'
  | 'email_change'
  | 'email_changed';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function buildEmail(
  kind: EmailKind,
  lang: Language,
  to: string,
  vars: {
    link?: string;
    name?: string;
    minutes?: number;
    org?: string;
    code?: string;
    count?: number;
    time?: string;
    details?: string[];
    tech?: string;
    hours?: number;
    /** An email address the mail speaks of (the new one, for an email change). */
    address?: string;
  },
  brand: Brand = DEFAULT_BRAND,
  issuer = '',
): Mail {
  const t = translator(lang);
  const { minutes, org, code, count, time, tech, hours, address, details = [] } = vars;
  const duration = minutes === undefined ? undefined : humanDuration(minutes * 60, lang);
  const v = {
    product: brand.name,
    name: vars.name || to,
    minutes,
    duration,
    org,
    code,
    count,
    time,
    tech,
    hours,
    address,
    interpolation: { escapeValue: false },
  };
  const subject = t(`mail.${kind}.subject`, v);
  const greeting = t('mail.greeting', v);
  const body = t(`mail.${kind}.body`, v);
  const action = vars.link ? t(`mail.${kind}.action`, v) : undefined;
  const footer = t(`mail.${kind}.footer`, v);
  const text = [
    greeting,
    '',
    body,
    '',
    ...(details.length ? [...details.map((d) => `- ${d}`), ''] : []),
    ...(vars.link ? [t('mail.action_line', { ...v, action, link: vars.link }), ''] : []),
    footer,
    '',
    `— ${brand.name}`,
  ].join('\n');
  const logo = brand.logo && (brand.logo.startsWith('/') ? `${issuer}${brand.logo}` : brand.logo);
  const c = brand.color;
  const html = `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif;color:#1b1f24">
${logo ? `<p><img src="${esc(logo)}" alt="${esc(brand.name)}" style="max-height:40px;max-width:200px"></p>` : ''}<p>${esc(greeting)}</p><p>${esc(body)}</p>
${details.length ? `<ul>${details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}
${vars.link ? `<p><a href="${esc(vars.link)}" style="display:inline-block;padding:10px 16px;background:${c};color:#fff;border-radius:6px;text-decoration:none">${esc(action!)}</a></p><p style="font-size:13px;color:#5b6470">${esc(vars.link)}</p>` : ''}
<p style="font-size:13px;color:#5b6470">${esc(footer)}</p><p>— ${esc(brand.name)}</p></body></html>`;
  return { to, subject, text, html, rebrand: (b, iss) => ({ ...buildEmail(kind, lang, to, vars, b, iss), rebrand: undefined }) };
}
