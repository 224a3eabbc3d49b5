/** A real SMTP server (smtp-server) that keeps what it receives, parsed with mailparser. */
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  to: string;
  /** The SMTP envelope's recipients (RCPT TO), as delivered. */
  rcpt: string[];
  subject: string;
  text: string;
  html: string;
}

export async function startMailSink() {
  const inbox: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((m) => {
        const to = Array.isArray(m.to) ? m.to[0].text : (m.to?.text ?? '');
        const rcpt = session.envelope.rcptTo.map((r) => r.address);
        inbox.push({ to, rcpt, subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '' });
        waiters.splice(0).forEach((w) => w());
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    /** Waits for a mail to `to` whose subject matches, up to `ms`. */
    async waitFor(to: string, subject: RegExp, ms = 10000): Promise<ReceivedMail> {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = inbox.find((m) => m.to.includes(to) && subject.test(m.subject));
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no mail to ${to} matching ${subject} (inbox: ${inbox.map((m) => `${m.to}: ${m.subject}`).join('; ')})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    linkIn(mail: ReceivedMail): string {
      const link = /https?:\/\/\S+token=[A-Za-z0-9_-]+\S*/.exec(mail.text)?.[0];
      if (!link) throw new Error(`no link in mail: ${mail.text}`);
      return link;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type MailSink = Awaited<ReturnType<typeof startMailSink>>;
