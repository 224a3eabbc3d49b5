/**
 * The launcher's pure parts: what a card says (launch URLs by kind, icons, names by language, unsafe
 * registered URLs dropped), the split into usable and requestable apps and their order, launcher URL
 * checks, group entries, language-tagged names of the bootstrap file, and icon types by magic bytes.
 */
import { cardOf, createLauncher, nameIn } from '../../src/apps/launcher.js';
import { launcherUrlProblem, parseGroupEntry } from '../../src/apps/fields.js';
import { liftTaggedNames } from '../../src/apps/bootstrap.js';
import { checkIcon, iconType } from '../../src/apps/icons.js';
import type { PersonAppRow } from '../../src/apps/store.js';

const row = (over: Partial<PersonAppRow>): PersonAppRow => ({
  id: 'oidc-x',
  kind: 'oidc',
  ref: 'x',
  name: null,
  names: {},
  reg_name: 'X',
  logo_url: null,
  icon_etag: null,
  launch_url: null,
  idp_initiated: false,
  target_link_uri: null,
  trial_url: null,
  restricted: false,
  allowed: true,
  ...over,
});

test('cards: OIDC opens through /apps/<id>/launch, SAML IdP-initiated through /saml/launch, else its launch URL', () => {
  expect(cardOf(row({ launch_url: 'https://x.example/login' }), 'en').launchUrl).toBe('/apps/oidc-x/launch');
  expect(cardOf(row({}), 'en').launchUrl).toBeNull();
  const saml = { id: 'saml-abc', kind: 'saml' as const, ref: 'abc' };
  expect(cardOf(row({ ...saml, idp_initiated: true, launch_url: 'https://sp.example/' }), 'en').launchUrl).toBe('/saml/launch/abc');
  expect(cardOf(row({ ...saml, launch_url: 'https://sp.example/' }), 'en').launchUrl).toBe('https://sp.example/');
  // A registered URL a browser must not be sent to is dropped, whatever the registration allowed.
  expect(cardOf(row({ ...saml, launch_url: 'javascript:alert(1)' }), 'en').launchUrl).toBeNull();
  expect(cardOf(row({ logo_url: 'javascript:alert(1)', trial_url: 'data:text/html,x' }), 'en')).toMatchObject({
    iconUrl: null,
    trialUrl: null,
  });
  expect(cardOf(row({ logo_url: 'https://x.example/l.png', icon_etag: 'abc' }), 'en').iconUrl).toBe('/apps/oidc-x/icon?v=abc');
  expect(cardOf(row({ logo_url: 'https://x.example/l.png' }), 'en').iconUrl).toBe('https://x.example/l.png');
});

test('names: the exact language tag, then its primary subtag, then the launcher name, then the registration', () => {
  const r = row({ names: { fr: 'Le X', 'pt-BR': 'O X' }, name: 'Our X' });
  expect(nameIn(r, 'fr-CA')).toBe('Le X');
  expect(nameIn(r, 'pt-br')).toBe('O X');
  expect(nameIn(r, 'de')).toBe('Our X');
  expect(nameIn(row({}), 'de')).toBe('X');
});

test('forPerson: usable apps that can be opened, requestable ones with a trial URL, each sorted in the language', async () => {
  const rows = [
    row({ id: 'a', reg_name: 'Zeta', launch_url: 'https://z.example/' }),
    row({ id: 'b', reg_name: 'Éclair', launch_url: 'https://e.example/' }),
    row({ id: 'c', reg_name: 'Alpha' }),
    row({ id: 'd', reg_name: 'Trial', allowed: false, restricted: true, trial_url: 'https://t.example/' }),
    row({ id: 'e', reg_name: 'No trial', allowed: false, restricted: true }),
  ];
  const launcher = createLauncher({ store: { forPerson: async () => rows, mayUse: async () => ({ allowed: true, open: true }) } });
  const { apps, requestable } = await launcher.forPerson('u', 'fr');
  expect(apps.map((a) => a.name)).toEqual(['Éclair', 'Zeta']);
  expect(requestable.map((a) => a.name)).toEqual(['Trial']);
  expect((await launcher.forPerson('u', 'not a language!')).apps).toHaveLength(2);
});

test('launcher URLs: https, or http on a loopback host; no other scheme, no credentials', () => {
  for (const ok of ['https://x.example/a?b=c', 'http://localhost:3000/x', 'http://127.0.0.1/x', 'http://[::1]:8080/'])
    expect([ok, launcherUrlProblem(ok)]).toEqual([ok, undefined]);
  for (const bad of [
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'data:text/html,x',
    'http://x.example/',
    'http://localhost.evil.example/',
    'https://user:pass@x.example/',
    'ftp://x.example/',
    '//x.example/',
    '/relative',
  ])
    expect([bad, launcherUrlProblem(bad)]).toEqual([bad, expect.any(String)]);
});

test('group entries: "<org>/<group>" or a plain group name (which may itself contain a slash after a non-slug)', () => {
  expect(parseGroupEntry('acme/sales')).toEqual({ org: 'acme', name: 'sales' });
  expect(parseGroupEntry('sales')).toEqual({ name: 'sales' });
  expect(parseGroupEntry('acme/R&D/lab')).toEqual({ org: 'acme', name: 'R&D/lab' });
  expect(parseGroupEntry('Sales EMEA')).toEqual({ name: 'Sales EMEA' });
});

test('bootstrap: client_name#<lang> and display_name#<lang> keys become name maps', () => {
  const doc = liftTaggedNames({
    clients: [{ client_id: 'x', client_name: 'X', 'client_name#fr': 'Le X', 'client_name#pt-BR': 'O X' }],
    saml_service_providers: [{ metadata: '<x/>', 'display_name#de': 'Das X' }],
    users: [],
  }) as Record<string, Array<Record<string, unknown>>>;
  expect(doc.clients[0]).toEqual({ client_id: 'x', client_name: 'X', client_names: { fr: 'Le X', 'pt-BR': 'O X' } });
  expect(doc.saml_service_providers[0]).toEqual({ metadata: '<x/>', display_names: { de: 'Das X' } });
  expect(liftTaggedNames('not an object')).toBe('not an object');
});

test('icons: PNG, JPEG and WebP by their first bytes; SVG, HTML, empty and oversized files refused', () => {
  expect(iconType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
  expect(iconType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
  expect(iconType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
  expect(iconType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
  expect(iconType(Buffer.from('GIF89a'))).toBeUndefined();
  expect(() => checkIcon(Buffer.from('<html><script>alert(1)</script>'))).toThrow(/PNG, JPEG or WebP/);
  expect(() => checkIcon(Buffer.alloc(0))).toThrow(/empty/);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(() => checkIcon(Buffer.concat([png, Buffer.alloc(256 * 1024)]))).toThrow(/too large/);
  expect(checkIcon(png)).toMatchObject({ type: 'image/png', etag: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
});

test('mayUse remembers only that an app is everyone’s, for a bounded time and until who may use it changes', async () => {
  const asked: string[] = [];
  const access: Record<string, { allowed: boolean; open: boolean }> = {
    open: { allowed: true, open: true },
    closed: { allowed: false, open: false },
  };
  const launcher = createLauncher({
    store: {
      forPerson: async () => [],
      mayUse: async (userId, _kind, ref) => {
        asked.push(`${userId}:${ref}`);
        return access[ref];
      },
    },
    openCacheMs: 60_000,
  });
  expect(await launcher.mayUse('u1', 'oidc', 'open')).toBe(true);
  expect(await launcher.mayUse('u2', 'oidc', 'open')).toBe(true);
  expect(asked).toEqual(['u1:open']);
  // A restricted app is asked every time, for every person.
  expect(await launcher.mayUse('u1', 'oidc', 'closed')).toBe(false);
  expect(await launcher.mayUse('u1', 'oidc', 'closed')).toBe(false);
  expect(asked).toEqual(['u1:open', 'u1:closed', 'u1:closed']);
  // Restricted now: after `changed`, the open app is asked again and refuses.
  access.open = { allowed: false, open: false };
  launcher.changed();
  expect(await launcher.mayUse('u2', 'oidc', 'open')).toBe(false);
  expect(await launcher.mayUse('u2', 'oidc', 'open')).toBe(false);
  expect(asked.slice(3)).toEqual(['u2:open', 'u2:open']);
  // The bound: with no time to remember, every call asks.
  let calls = 0;
  const bounded = createLauncher({
    store: { forPerson: async () => [], mayUse: async () => ((calls += 1), { allowed: true, open: true }) },
    openCacheMs: 0,
  });
  expect(await bounded.mayUse('u', 'saml', 'sp')).toBe(true);
  expect(await bounded.mayUse('u', 'saml', 'sp')).toBe(true);
  expect(calls).toBe(2);
});
