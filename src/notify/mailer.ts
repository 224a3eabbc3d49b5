/**
 * Email delivery over SMTP (nodemailer, SMTP_URL). Without SMTP outside production the message,
 * link included, goes to the log so a developer can follow it; in production without SMTP nothing
 * is logged but the failure.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/schema.js';
import type { Logger } from '../lib/log.js';

export interface Mail { to: string; subject: string; text: string; html: string }
export interface Mailer { send(mail: Mail): Promise<void> }

export function createMailer(config: Config, log: Logger): Mailer {
  const transport: Transporter | undefined = config.smtp.url ? nodemailer.createTransport(config.smtp.url) : undefined;
  return {
    async send(mail) {
      if (transport) {
        await transport.sendMail({ from: config.smtp.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
        return;
      }
      if (config.env === 'production') {
        log.error({ subject: mail.subject }, 'email not sent: SMTP_URL is not configured');
        return;
      }
      log.info({ mail: { to: mail.to, subject: mail.subject, body: mail.text } }, 'email (development: no SMTP_URL, so it is logged instead of sent)');
    },
  };
}
