/** Form and JSON bodies for our own routes, bounded in size (oversized → 413, malformed → 400). */
import { bodyParser } from '@koa/bodyparser';

export function parseBody(maxBytes: number) {
  return bodyParser({
    enableTypes: ['form', 'json'],
    formLimit: `${maxBytes}b`,
    jsonLimit: `${maxBytes}b`,
    onError: (err: Error & { status?: number }) => {
      throw Object.assign(err, { status: err.status && err.status < 500 ? err.status : 400, expose: false });
    },
  });
}
