/**
 * Text message delivery behind one small interface. Rules:
 * - `twilio`: any Twilio-compatible API: POST {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json,
 *   form-encoded To/From/Body, HTTP Basic auth sid:token; a non-2xx answer or a timeout (10 s) is an
 *   SmsDeliveryError. The auth token never reaches a log line or an error message.
 * - `log`: development only (the loader refuses it in production): the message goes to the log.
 * - no provider in production: SMS is off (the factor is not offered); createSmsSender returns undefined.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../lib/log.js';
import { translator, type Language } from '../http/i18n.js';

export interface SmsSender {
  /** Sends `body` to an E.164 number; resolves when the provider accepted the message. */
  send(to: string, body: string): Promise<void>;
}

export class SmsDeliveryError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly providerCode: string | undefined,
  ) {
    super(`the SMS provider refused the message${status ? ` (HTTP ${status}${providerCode ? `, code ${providerCode}` : ''})` : ''}`);
  }
}

export function twilioSender(s: { baseUrl: string; accountSid: string; authToken: string; from: string }): SmsSender {
  const url = `${s.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`;
  return {
    async send(to, body) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: to, From: s.from, Body: body }),
          signal: AbortSignal.timeout(10_000),
        });
      } catch {
        throw new SmsDeliveryError(undefined, undefined);
      }
      if (res.ok) return;
      const answer = (await res.json().catch(() => ({}))) as { code?: unknown };
      throw new SmsDeliveryError(res.status, answer.code === undefined ? undefined : String(answer.code));
    },
  };
}

export function logSender(log: Logger): SmsSender {
  return {
    async send(to, body) {
      log.info({ sms: { to, text: body } }, 'text message (development: SMS_PROVIDER=log, so it is logged instead of sent)');
    },
  };
}

export function createSmsSender(config: Config, log: Logger): SmsSender | undefined {
  const provider = config.sms.provider ?? (config.env === 'production' ? undefined : 'log');
  if (provider === 'twilio') {
    const { baseUrl, accountSid, authToken, from } = config.sms;
    return twilioSender({ baseUrl, accountSid: accountSid!, authToken: authToken!, from: from! });
  }
  if (provider === 'log' && config.env !== 'production') return logSender(log);
  return undefined;
}

/**
 * The code message in the person's language. The last line is the WebOTP format (`@host #code`), so
 * browsers can offer the code to the page it belongs to (and to no other site).
 */
export function smsCodeText(lang: Language, code: string, issuer: string) {
  const host = new URL(issuer).hostname;
  return `${translator(lang)('sms.code_text', { code, minutes: 10 })}\n\n@${host} #${code}`;
}
