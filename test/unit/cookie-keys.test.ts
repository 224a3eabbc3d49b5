/**
 * Issue 18: cookie signatures checked with one HMAC per key (src/http/cookie-keys.ts) are keygrip's
 * signatures exactly (cookies signed before the change still read, and either side reads the other's),
 * with key rotation, and a wrong, truncated, padded or non-text signature is refused.
 */
import Keygrip from 'keygrip';
import { cookieKeys } from '../../src/http/cookie-keys.js';

const KEYS = ['first-cookie-key-0123456789abcdefghijklmnop', 'older-cookie-key-0123456789abcdefghijklmnop'];

test('signs as keygrip does, and reads what keygrip signed, with every key', () => {
  const ours = cookieKeys(KEYS);
  const theirs = new Keygrip(KEYS);
  for (const data of ['wf_session=abc', 'wf_interaction=ünïcödé+/=', '']) {
    expect(ours.sign(data)).toBe(theirs.sign(data));
    expect(ours.index(data, theirs.sign(data))).toBe(0);
    expect(theirs.index(data, ours.sign(data))).toBe(0);
  }
  const rotated = new Keygrip([KEYS[1]]).sign('wf_session=abc');
  expect(ours.index('wf_session=abc', rotated)).toBe(1);
  expect(ours.verify('wf_session=abc', rotated)).toBe(true);
});

test('a wrong, truncated, padded or missing signature is no key', () => {
  const ours = cookieKeys(KEYS);
  const good = ours.sign('wf_session=abc');
  expect(ours.index('wf_session=abd', good)).toBe(-1);
  expect(ours.index('wf_session=abc', good.slice(0, -1))).toBe(-1);
  expect(ours.index('wf_session=abc', `${good}=`)).toBe(-1);
  expect(ours.index('wf_session=abc', `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`)).toBe(-1);
  expect(ours.index('wf_session=abc', undefined as unknown as string)).toBe(-1);
  expect(ours.verify('wf_session=abc', '')).toBe(false);
  expect(cookieKeys([KEYS[1]]).index('wf_session=abc', good)).toBe(-1);
  expect(() => cookieKeys([])).toThrow();
});
