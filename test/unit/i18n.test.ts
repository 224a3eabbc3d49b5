/** Every page and email exists in all seven languages, with the same placeholders as English. */
import { LANGUAGES, messages } from '../../src/http/i18n.js';

const placeholders = (s: string) => [...s.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

test.each(LANGUAGES.filter((l) => l !== 'en'))('%s has every English key, translated, with the same placeholders', (lang) => {
  const en = messages.en;
  const other = messages[lang];
  expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    expect([key, placeholders(other[key])]).toEqual([key, placeholders(en[key])]);
  }
  // Translated, not copied: only a handful of strings (names, empty labels) may equal the English text.
  // A template of placeholders and punctuation only ("{{action}}: {{link}}") has no words to translate.
  const words = (s: string) => /\p{L}/u.test(s.replace(/\{\{[^}]*\}\}/g, ''));
  const same = Object.keys(en).filter((k) => en[k].length > 12 && other[k] === en[k] && words(en[k]));
  expect(same).toEqual([]);
});
