/**
 * Email delivery over SMTP (nodemailer, SMTP_URL). Without SMTP outside production the message,
 * link included, goes to the log so a developer can follow it; in production without SMTP nothing
 * is logged but the failure.
 */
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { lazyModule } from '../lib/lazy-module.js';
import { deliveryAddress } from '../accounts/email-address.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../lib/log.js';
import type { Brand } from '../branding/brand.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same mail in another brand (src/branding/wiring.ts); `issuer` makes uploaded logos absolute. */
  rebrand?: (brand: Brand, issuer: string) => Mail;
}
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Loaded with the first mail (src/lib/lazy-module.ts). */
const nodemailer = lazyModule<typeof Nodemailer>('nodemailer');

export function createMailer(config: Config, log: Logger): Mailer {
  const url = config.smtp.url;
  let transport: Transporter | undefined;
  return {
    async send(mail) {
      if (url) {
        transport ??= nodemailer().createTransport(url);
        await transport.sendMail({
          from: config.smtp.from,
          to: deliveryAddress(mail.to),
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
        });
        return;
      }
      if (config.env === 'production') {
        log.error({ subject: mail.subject }, 'email not sent: SMTP_URL is not configured');
        return;
      }
      log.info(
        { mail: { to: mail.to, subject: mail.subject, body: mail.text } },
        'email (development: no SMTP_URL, so it is logged instead of sent)',
      );
    },
  };
}
