/**
 * Issue 16, defect 7 (copy): durations in mails in words in the reader's language (the sign-up mail
 * said "1440 minutes" where the page says 24 hours); the French mail's "… : lien" has the no-break
 * space before the colon; a 404 is headed "Page not found"; protocol error descriptions
 * ("missing required parameter 'client_id'", "the person cancelled the sign-in") become translated
 * sentences, and an unknown one is only a marked technical detail.
 */
import { PageClient } from '../helpers/browser.js';
import { LANGUAGES, translator } from '../../src/http/i18n.js';
import { humanDuration } from '../../src/notify/duration.js';
import { buildEmail } from '../../src/notify/emails.js';
import { newMail, pageText, PASSWORD, startWithMail, uniqueEmail, type Harness } from '../helpers/sign-in.js';

let h: Harness;
beforeAll(async () => {
  h = await startWithMail({ demo: true });
});
afterAll(() => h?.close());

test('durations in words per language', () => {
  const words = (s: number, l: Parameters<typeof humanDuration>[1]) => humanDuration(s, l).replace(/[\u00a0\u202f]/g, ' ');
  expect(humanDuration(86400, 'en')).toBe('24 hours');
  expect(words(86400, 'fr')).toBe('24 heures');
  expect(words(86400, 'de')).toBe('24 Stunden');
  expect(humanDuration(1800, 'en')).toBe('30 minutes');
  expect(words(7 * 86400, 'nl')).toBe('7 dagen');
  expect(words(600, 'it')).toBe('10 minuti');
});

test.each(LANGUAGES)('the sign-up mail in %s gives the same lifetime as the page, in words', async (lang) => {
  const email = uniqueEmail(`copy-${lang}`);
  const page = new PageClient(h.server.url, { 'accept-language': lang });
  await page.get('/signup');
  const mail = await newMail(h.sink, email, /./, () => page.post('/signup', { email, password: PASSWORD, name: 'Zoe' }));
  expect(mail.text).not.toMatch(/1440/);
  expect(mail.text).toContain(humanDuration(86400, lang));
});

test('the French mail puts a no-break space before the colon of "action : link"', () => {
  const mail = buildEmail('reset_password', 'fr', 'zoe@example.test', { link: 'https://id.example.test/r', minutes: 30 });
  expect(mail.text).toContain(`${translator('fr')('mail.reset_password.action')}\u00a0: https://id.example.test/r`);
  expect(mail.text).toContain(humanDuration(1800, 'fr'));
  const en = buildEmail('reset_password', 'en', 'zoe@example.test', { link: 'https://id.example.test/r', minutes: 30 });
  expect(en.text).toContain(`${translator('en')('mail.reset_password.action')}: https://id.example.test/r`);
});

test.each(LANGUAGES)('a 404 page in %s is headed "Page not found"', async (lang) => {
  const page = new PageClient(h.server.url, { 'accept-language': lang });
  await page.get('/no/such/page');
  expect(page.last.status).toBe(404);
  expect(page.title()).toBe(translator(lang)('error.title_not_found'));
});

test.each(LANGUAGES)('/auth without client_id in %s explains it in a translated sentence', async (lang) => {
  const page = new PageClient(h.server.url, { 'accept-language': lang });
  await page.get('/auth?response_type=code&scope=openid');
  expect(page.last.status).toBe(400);
  const text = pageText(page.last.body);
  expect(text).toContain(translator(lang)('error.detail.missing_parameter', { param: 'client_id' }));
  expect(text).not.toContain('missing required parameter');
});

test('cancelling the demo sign-in says so in French', async () => {
  const page = new PageClient(h.server.url, { 'accept-language': 'fr' });
  const at = await page.get('/demo/start');
  const uid = /\/interaction\/([^/?#]+)/.exec(at)![1];
  await page.post(`/interaction/${uid}/cancel`, {});
  expect(page.last.url).toContain('/demo');
  expect(pageText(page.last.body)).toContain(translator('fr')('error.detail.cancelled'));
  expect(pageText(page.last.body)).not.toContain('the person cancelled');
});
