/**
 * The push device API's input goes through the zod guard (src/http/guard.ts), like our other routes:
 * a body or path of the wrong shape — wrong types, missing fields, unknown or huge extra fields, a NUL,
 * a body that is not a JSON object — answers a 400 `invalid_input` JSON naming the fields, before any
 * lookup; an oversized body is a 413; a well-shaped request for an unknown device or pairing code is a
 * 4xx too. Never a 500, never a page (regression: the routes used to read `ctx.request.body` directly).
 */
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const goodPair = { code: 'ABCDE-FGHJK-LMNPQ-RSTUV', name: 'My phone', publicKey: { kty: 'EC' }, timestamp: Date.now(), signature: 'sig' };
const goodAnswer = {
  deviceId: '00000000-0000-4000-8000-000000000000',
  decision: 'approve',
  number: 42,
  timestamp: Date.now(),
  signature: 'sig',
};

async function send(path: string, body?: string, contentType = 'application/json') {
  const res = await fetch(new URL(path, server.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': contentType },
    body,
  });
  expect(res.headers.get('content-type')).toContain('application/json');
  const json = (await res.json()) as { error: string; error_description: string };
  return { status: res.status, ...json };
}
const post = (path: string, body: unknown) => send(path, JSON.stringify(body));

const pairCases: Array<[string, unknown, string]> = [
  ['timestamp as text', { ...goodPair, timestamp: String(goodPair.timestamp) }, 'timestamp'],
  ['code as a number', { ...goodPair, code: 12345 }, 'code'],
  ['publicKey as text', { ...goodPair, publicKey: 'a key' }, 'publicKey'],
  ['signature as an object', { ...goodPair, signature: { a: 1 } }, 'signature'],
  ['no code', { ...goodPair, code: undefined }, 'code'],
  ['no signature, no timestamp', { ...goodPair, signature: undefined, timestamp: undefined }, 'timestamp'],
  ['an empty object', {}, 'code'],
  ['a huge unknown field', { ...goodPair, padding: 'x'.repeat(50_000) }, '(body)'],
  ['a huge name', { ...goodPair, name: 'n'.repeat(50_000) }, 'name'],
  ['a JSON array', [goodPair], 'code'],
];

test.each(pairCases)('POST /api/push/pair with %s: 400 invalid_input naming the field', async (_, body, field) => {
  const res = await post('/api/push/pair', body);
  expect([res.status, res.error]).toEqual([400, 'invalid_input']);
  expect(res.error_description).toContain(field);
});

const answerCases: Array<[string, unknown, string]> = [
  ['number as text', { ...goodAnswer, number: '42' }, 'number'],
  ['timestamp as text', { ...goodAnswer, timestamp: 'now' }, 'timestamp'],
  ['an unknown decision', { ...goodAnswer, decision: 'maybe' }, 'decision'],
  ['no deviceId', { ...goodAnswer, deviceId: undefined }, 'deviceId'],
  ['a huge deviceId', { ...goodAnswer, deviceId: 'd'.repeat(50_000) }, 'deviceId'],
  ['a huge unknown field', { ...goodAnswer, extra: ['x'.repeat(50_000)] }, '(body)'],
];

test.each(answerCases)('POST /api/push/challenges/:id/answer with %s: 400 invalid_input naming the field', async (_, body, field) => {
  const res = await post('/api/push/challenges/some-challenge/answer', body);
  expect([res.status, res.error]).toEqual([400, 'invalid_input']);
  expect(res.error_description).toContain(field);
});

test('a NUL anywhere in a device body is a 400 JSON, whichever field holds it', async () => {
  for (const [path, body] of [
    ['/api/push/pair', { ...goodPair, name: 'phone\u0000' }],
    ['/api/push/pair', { ...goodPair, publicKey: { kty: 'EC', crv: 'P-256\u0000' } }],
    ['/api/push/challenges/c1/answer', { ...goodAnswer, signature: 'sig\u0000' }],
    ['/api/push/challenges/c1/answer', { ...goodAnswer, ['key\u0000']: 1 }],
  ] as const) {
    const res = await post(path, body);
    expect([path, res.status, res.error]).toEqual([path, 400, 'invalid_input']);
    expect(res.error_description).toContain('NUL');
  }
});

test('path parameters are checked too: an overlong device or challenge id is a 400, not a lookup', async () => {
  const poll = await send(`/api/push/device/${'d'.repeat(101)}/next`);
  expect([poll.status, poll.error]).toEqual([400, 'invalid_input']);
  expect(poll.error_description).toContain('deviceId');
  const answer = await post(`/api/push/challenges/${'c'.repeat(101)}/answer`, goodAnswer);
  expect([answer.status, answer.error]).toEqual([400, 'invalid_input']);
  expect(answer.error_description).toContain('id');
});

test('malformed, non-object, form-encoded and oversized bodies: 400, 400, 400 and 413 JSON', async () => {
  for (const text of ['{"code": ', '"pair me"', '7', 'null'])
    expect([text, (await send('/api/push/pair', text)).status]).toEqual([text, 400]);
  const asForm = await send(
    '/api/push/pair',
    new URLSearchParams({ ...goodPair, publicKey: '{}', timestamp: '1' }).toString(),
    'application/x-www-form-urlencoded',
  );
  expect([asForm.status, asForm.error]).toEqual([400, 'invalid_input']);
  const huge = await post('/api/push/challenges/c1/answer', { ...goodAnswer, extra: 'x'.repeat(70_000) });
  expect(huge.status).toBe(413);
});

test('well-shaped requests for unknown things are 4xx JSON with their own codes', async () => {
  const pairing = await post('/api/push/pair', goodPair);
  expect([pairing.status, pairing.error]).toEqual([400, 'invalid_key']);
  const answer = await post('/api/push/challenges/c1/answer', goodAnswer);
  expect([answer.status, answer.error]).toEqual([401, 'unknown_device']);
  const approvalWithoutNumber = await post('/api/push/challenges/c1/answer', { ...goodAnswer, number: null });
  expect([approvalWithoutNumber.status, approvalWithoutNumber.error]).toEqual([400, 'invalid_request']);
  const poll = await send('/api/push/device/not-a-device/next');
  expect([poll.status, poll.error]).toEqual([401, 'unknown_device']);
});
