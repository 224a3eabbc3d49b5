/**
 * Issue 18: pages ask for translations through a per-language memo (src/http/i18n.ts). It must answer
 * exactly what i18next answers (default {{product}}, a brand's product name, options, fallbacks) and
 * never hold keys that are not in the locale files (a key built from input cannot grow it).
 */
import i18next from 'i18next';
import { LANGUAGES, messages, translator } from '../../src/http/i18n.js';
import { dateTime } from '../../src/http/views.js';

const reference = i18next.createInstance();
beforeAll(async () => {
  await reference.init({
    initAsync: false,
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: messages[l] }])),
    fallbackLng: 'en',
    interpolation: { escapeValue: false, defaultVariables: { product: 'Wayfinder' } },
    returnNull: false,
  });
});

test.each(LANGUAGES)('%s: every key, twice, as i18next answers it; with a brand name; with options', (lang) => {
  const t = translator(lang);
  const branded = translator(lang, 'Acme Sign-in');
  const ref = reference.getFixedT(lang);
  for (const key of Object.keys(messages.en)) {
    expect(t(key)).toBe(ref(key));
    expect(t(key)).toBe(ref(key));
    expect(branded(key)).toBe(ref(key, { product: 'Acme Sign-in' }));
    expect(t(key, { count: 2, product: 'X' })).toBe(ref(key, { count: 2, product: 'X' }));
  }
  expect(translator(lang)).toBe(t);
});

test('a brand name never leaks into the unbranded translator of the same language', () => {
  const key = Object.keys(messages.en).find((k) => messages.en[k].includes('{{product}}'))!;
  expect(translator('fr', 'Acme')(key)).toContain('Acme');
  expect(translator('fr')(key)).toContain('Wayfinder');
  expect(translator('fr')(key)).not.toContain('Acme');
});

test('unknown keys are answered by i18next (the key itself) and not remembered', () => {
  const t = translator('de');
  for (let i = 0; i < 1000; i++) expect(t(`nope.${i}`)).toBe(`nope.${i}`);
});

test('dates are formatted per language by one formatter per language', () => {
  const d = new Date('2026-12-03T10:42:00Z');
  expect(dateTime('fr')(d)).toBe(new Intl.DateTimeFormat('fr', { dateStyle: 'medium', timeStyle: 'short' }).format(d));
  expect(dateTime('en')(null)).toBe('—');
  expect(dateTime('de')).toBe(dateTime('de'));
});
