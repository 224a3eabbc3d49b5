/**
 * Issue 16, defect 6: internationalized email addresses (RFC 6531). Accepted, normalized once for
 * lookup (NFC, lowercase, punycode domain), and delivered: to the punycode domain, or with SMTPUTF8 for a
 * Unicode local part — checked against a raw SMTP listener that records the commands verbatim.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { deliveryAddress, isEmailAddress, normalizeEmail } from '../../src/accounts/email-address.js';
import { emailSchema } from '../../src/accounts/users.js';
import { createMailer } from '../../src/notify/mailer.js';
import { createLogger } from '../../src/lib/log.js';
import type { Config } from '../../src/config/schema.js';

test.each(['zoë@exämple.test', 'зоя@example.test', 'user+tag@example.com', '用户@例子.广告', "o'neil@sub.example.co.uk"])(
  'accepts %s',
  (a) => {
    expect(isEmailAddress(a)).toBe(true);
    expect(emailSchema.safeParse(a).success).toBe(true);
  },
);

test.each([
  '',
  'plain',
  '@example.com',
  'a@',
  'a@b',
  'a b@example.com',
  'a@exa mple.com',
  '.a@example.com',
  'a..b@example.com',
  'a@-example.com',
  'a@example.com.',
  'a\u200b@example.com',
  'a@example.123',
  `${'x'.repeat(65)}@example.com`,
  'a"b@example.com',
  'a@ex_ample.com',
])('refuses %j', (a) => {
  expect(isEmailAddress(a)).toBe(false);
  expect(emailSchema.safeParse(a).success).toBe(false);
});

test('one normal form for lookup: NFC, lowercase, punycode domain', () => {
  const composed = 'zoë@exämple.test';
  const decomposed = 'ZOË@EXÄMPLE.TEST'.normalize('NFD');
  expect(normalizeEmail(composed)).toBe('zoë@xn--exmple-cua.test');
  expect(normalizeEmail(decomposed)).toBe('zoë@xn--exmple-cua.test');
  expect(normalizeEmail('  Zoe@Example.COM ')).toBe('zoe@example.com'); // ASCII addresses keep their old normal form
  expect(normalizeEmail('ЗОЯ@example.test')).toBe('зоя@example.test');
  expect(emailSchema.parse(decomposed)).toBe('ZOË@EXÄMPLE.TEST'); // stored as typed, composed
});

test('delivery: punycode domain, local part as typed', () => {
  expect(deliveryAddress('Zoë@exämple.test')).toBe('Zoë@xn--exmple-cua.test');
  expect(deliveryAddress('зоя@example.test')).toBe('зоя@example.test');
});

test('the mailer: an IDN domain goes out in punycode, a Unicode local part with SMTPUTF8', async () => {
  const commands: string[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        commands.push(line);
        if (/^EHLO/i.test(line)) socket.write('250-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const config = {
      env: 'test',
      smtp: { url: `smtp://127.0.0.1:${port}`, from: 'Wayfinder <no-reply@example.test>' },
    } as unknown as Config;
    const mailer = createMailer(config, createLogger('silent'));
    await mailer.send({ to: 'zoe@exämple.test', subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' });
    // An ASCII local part: the IDN domain goes out as its A-label (any server can deliver it).
    expect(commands.filter((c) => /^RCPT TO/i.test(c))).toEqual(['RCPT TO:<zoe@xn--exmple-cua.test>']);
    expect(commands.find((c) => /^MAIL FROM/i.test(c))).not.toContain('SMTPUTF8');
    commands.length = 0;
    await mailer.send({ to: 'зоя@exämple.test', subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' });
    // A non-ASCII local part needs SMTPUTF8 (RFC 6531), where U-labels are valid: nodemailer sends UTF-8.
    expect(commands.find((c) => /^MAIL FROM/i.test(c))).toContain('SMTPUTF8');
    expect(commands.filter((c) => /^RCPT TO/i.test(c))).toEqual(['RCPT TO:<зоя@exämple.test>']);
  } finally {
    server.close();
  }
});
