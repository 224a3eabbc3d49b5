// A client on its own thread (worker_threads) that times form posts: the GET of the form (cookies and
// CSRF value) is not timed, the POST up to the last byte of the answer is. On its own event loop, so
// what the server under test does after answering (on the test's thread) does not slow its reading,
// as for a client on another machine. Message in: { id, url, fields, headers }; out: { id, ms, status }.
import { parentPort } from 'node:worker_threads';

const cookiesOf = (res) =>
  res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');

parentPort.on('message', async ({ id, url, fields, headers }) => {
  try {
    const form = await fetch(url, { headers, redirect: 'manual' });
    const html = await form.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const body = new URLSearchParams({ csrf, ...fields });
    const post = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(form), ...headers };
    const start = process.hrtime.bigint();
    const res = await fetch(url, { method: 'POST', body, headers: post, redirect: 'manual' });
    await res.text();
    parentPort.postMessage({ id, ms: Number(process.hrtime.bigint() - start) / 1e6, status: res.status });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err) });
  }
});
