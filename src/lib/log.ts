/**
 * JSON logs (pino). Secrets never reach a log line: known secret-bearing keys are redacted wherever
 * they appear, and request logs carry the path without its query string.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'password',
  'new_password',
  'current_password',
  'client_secret',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'authorization',
  'cookie',
  'set-cookie',
  'encryptionKey',
  'cookieKeys',
  'private_jwk',
  'otp',
  'authToken',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);
  return pino({ level, redact: { paths, censor: '[redacted]' }, base: { service: 'wayfinder' } }, destination);
}
