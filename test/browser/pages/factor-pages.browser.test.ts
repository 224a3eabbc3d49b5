/**
 * Issue 16, defect 5: opening an enrolment page (a GET) sends no email; enrolment and challenge pages
 * have a Cancel; recovery codes can be downloaded and copied; regenerating them asks for the password
 * again (the old codes stay valid until it is given). Screenshots: test-artifacts/screenshots/defect5-*.png.
 */
import type { Browser } from 'playwright-core';
import { translator } from '../../../src/http/i18n.js';
import { addUser, auditTypes, PASSWORD, sleep, startWithMail, uniqueEmail, type Harness } from '../../helpers/sign-in.js';
import { inViewport, launchChromium, newPage, shot, signInToAccount, submit } from '../../helpers/chromium.js';

let h: Harness;
let browser: Browser;
const t = translator('en');

beforeAll(async () => {
  [h, browser] = await Promise.all([startWithMail(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

test('defect 5: email enrolment sends only on a POST; Cancel; recovery codes downloaded, copied, regenerated only with the password', async () => {
  const email = uniqueEmail('defect5');
  const user = await addUser(h.server, email);
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.server.url });
  await signInToAccount(page, h.server.url, email, PASSWORD);

  // A GET (a link preview, a prefetch, a reload) sends nothing.
  const mailsTo = () => h.sink.inbox.filter((m) => m.rcpt.includes(email)).length;
  await page.goto(`${h.server.url}/account/factors/email/add`);
  await page.goto(`${h.server.url}/account/factors/email/add`);
  await sleep(300);
  expect(mailsTo()).toBe(0);
  await shot(page, 'defect5-email-enrol-ask');
  expect(await page.locator('.lead').innerText()).toBe(t('factor.enrol_send_lead', { destination: email }));
  expect(await page.locator('.cancel a').getAttribute('href')).toBe('/account');

  // Sending is a POST; the code page has a Cancel too; a reload of the code page sends no second mail.
  await submit(page, 'form[action="/account/factors/email/send"] button[type=submit]');
  for (let i = 0; i < 100 && mailsTo() === 0; i += 1) await sleep(50);
  expect(mailsTo()).toBe(1);
  expect(await page.locator('.cancel a').innerText()).toBe(t('common.cancel'));
  await page.goto(`${h.server.url}/account/factors/email/add`);
  await sleep(300);
  expect(mailsTo()).toBe(1);
  const code = /\b(\d{6})\b/.exec(h.sink.inbox.find((m) => m.rcpt.includes(email))!.text)![1];
  await page.fill('#code', code);
  await submit(page, 'form[action="/account/factors/email/add"] button[type=submit]');

  // The first factor's recovery codes: a download of them all, and a copy button.
  expect(await page.locator('h1').innerText()).toBe(t('factor.recovery_codes_title'));
  await shot(page, 'defect5-recovery-codes');
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  expect(codes.length).toBeGreaterThanOrEqual(8);
  const href = (await page.locator('a[download]').getAttribute('href'))!;
  expect(decodeURIComponent(href.replace(/^data:text\/plain;charset=utf-8,/, ''))).toContain(codes.join('\n'));
  await page.locator('button[data-copy]').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
  expect(await page.locator('button[data-copy]').innerText()).toBe(t('factor.recovery_copied'));

  // Regenerating asks for the password; an empty or wrong one changes nothing.
  await page.goto(`${h.server.url}/account`);
  await Promise.all([page.waitForNavigation(), page.locator('a[href="/account/recovery-codes"]').click()]);
  expect(await page.locator('h1').innerText()).toBe(t('recovery.confirm_title'));
  expect(await page.locator('#password').getAttribute('autocomplete')).toBe('current-password');
  expect(await submit(page, 'form[action="/account/recovery-codes"] button[type=submit]')).toBe(400);
  expect(await page.locator('#password-error').innerText()).toBe(t('login.enter_password'));
  await page.fill('#password', 'not my password');
  expect(await submit(page, 'form[action="/account/recovery-codes"] button[type=submit]')).toBe(400);
  await shot(page, 'defect5-regenerate-wrong-password');
  expect(await page.locator('#password-error').innerText()).toBe(t('account.wrong_current'));
  expect(await inViewport(page.locator('#password-error'))).toBe(true);
  expect(await h.server.features.factorStore.recoveryCodesLeft(user.id)).toBe(codes.length);
  await page.fill('#password', PASSWORD);
  expect(await submit(page, 'form[action="/account/recovery-codes"] button[type=submit]')).toBe(200);
  const fresh = await page.locator('#recovery-codes code').allInnerTexts();
  expect(fresh).toHaveLength(codes.length);
  expect(fresh.filter((c) => codes.includes(c))).toEqual([]);
  const regenerated = (await auditTypes(h.server, { userId: user.id, type: 'factor.recovery_codes_regenerated' })).map((r) => r.outcome);
  expect(regenerated.sort()).toEqual(['failure', 'info']); // the wrong password, then the new codes
  await page.context().close();
});

test('defect 5: a POST of new recovery codes without the password is refused (no codes issued)', async () => {
  const email = uniqueEmail('defect5-post');
  const user = await addUser(h.server, email);
  const page = await newPage(browser);
  await signInToAccount(page, h.server.url, email, PASSWORD);
  await page.goto(`${h.server.url}/account/recovery-codes`);
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const res = await page.request.post(`${h.server.url}/account/recovery-codes`, { form: { csrf } });
  expect(res.status()).toBe(400);
  expect(await h.server.features.factorStore.recoveryCodesLeft(user.id)).toBe(0);
  await page.context().close();
});

test('defect 5: the two-step challenge page at sign-in has a Cancel', async () => {
  const email = uniqueEmail('defect5-cancel');
  const user = await addUser(h.server, email);
  await h.server.features.factorStore.insertFactor({
    user_id: user.id,
    kind: 'totp',
    label: 'phone',
    secret_enc: h.server.services.box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'factor-secret'),
    confirmed: true,
  });
  const page = await newPage(browser);
  await signInToAccount(page, h.server.url, email, PASSWORD);
  expect(page.url()).toContain('/factor');
  await shot(page, 'defect5-challenge-cancel');
  expect(await page.locator('.cancel form').getAttribute('action')).toMatch(/^\/interaction\/[^/]+\/cancel$/);
  await page.context().close();
});
