/**
 * The open-redirect rule (src/routing/destinations.ts): only our own paths and the exact origins of
 * registered apps. The corpus: other hosts, scheme-relative and backslash forms, other schemes,
 * userinfo tricks, encoded, mixed-case and control-character variants, IDN look-alikes.
 */
import { checkDestination } from '../../src/routing/destinations.js';

const allowed = { issuer: 'https://id.example.test', origins: new Set(['https://app.example.test', 'http://127.0.0.1:8080']) };

const REFUSED = [
  '//evil.example',
  '///evil.example',
  'https://evil.example',
  'https://evil.example/https://app.example.test/',
  '/\\evil.example',
  '\\\\evil.example',
  'https:\\\\evil.example',
  '/%2F%2Fevil.example',
  '/%5Cevil.example',
  '/%2f/evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'https://app.example.test@evil.example',
  'https://app.example.test%40evil.example',
  'https://user:pass@app.example.test/',
  'https://evil.example#@app.example.test',
  'https://evil.example?@app.example.test',
  'https://app.example.test.evil.example/',
  'https://evil.example/.app.example.test',
  'https://аpp.example.test/', // Cyrillic а: an IDN look-alike
  'https://app.exаmple.test/',
  'https://xn--pp-8cd.example.test/',
  'http://app.example.test/', // the registered origin is https
  'https://app.example.test:444/',
  'https://app.example.test\u0000.evil.example/',
  'https://app.example.test\n.evil.example/',
  'https://%61pp.example.test/',
  'ftp://app.example.test/',
  'HTTPS://EVIL.EXAMPLE/',
  '',
  'x'.repeat(3000),
];

const ALLOWED = [
  ['/', '/'],
  ['/account', '/account'],
  ['/account?done=password', '/account?done=password'],
  ['https://app.example.test/', 'https://app.example.test/'],
  ['https://app.example.test/deep/path?x=1#frag', 'https://app.example.test/deep/path?x=1#frag'],
  ['HTTPS://APP.EXAMPLE.TEST/home', 'https://app.example.test/home'], // same origin, as the URL standard reads it
  ['http://127.0.0.1:8080/cb', 'http://127.0.0.1:8080/cb'],
  ['https://id.example.test/account', 'https://id.example.test/account'],
];

test.each(REFUSED.map((v) => [JSON.stringify(v).slice(0, 80), v]))('refused: %s', (_label, value) => {
  expect(checkDestination(value, allowed).ok).toBe(false);
});

test.each(ALLOWED)('allowed: %s', (value, url) => {
  expect(checkDestination(value, allowed)).toEqual({ ok: true, url });
});

test('non-strings are refused', () => {
  for (const v of [undefined, null, 42, ['/'], { url: '/' }]) expect(checkDestination(v, allowed).ok).toBe(false);
});
