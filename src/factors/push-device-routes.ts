/**
 * The push device API (JSON; HTTP only — the rules are in push-pairing.ts and push-device.ts):
 *   POST /api/push/pair                       pair a device with a code from the enrolment page
 *   GET  /api/push/device/:deviceId/next      long-poll for the request waiting for the device
 *                                             (X-Wayfinder-Timestamp + X-Wayfinder-Signature headers)
 *   POST /api/push/challenges/:id/answer      approve (with the number picked) or deny
 * These are machine endpoints authenticated by device signatures, not pages: no cookies, no CSRF
 * tokens, JSON errors (the /api/ prefix), bodies size-limited, nothing cached.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseBody } from '../http/body.js';
import type { FactorEnvFactory } from './env.js';
import { pairDevice } from './push-pairing.js';
import { answerRequest, nextRequest } from './push-device.js';

export function pushDeviceRoutes(d: { envFor: FactorEnvFactory; maxBodyBytes: number }) {
  const router = new Router({ prefix: '/api/push' });
  router.use(parseBody(d.maxBodyBytes));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  const body = (ctx: Context) => ctx.request.body;

  router.post('/pair', async (ctx) => {
    ctx.status = 201;
    ctx.body = await pairDevice(d.envFor(ctx), body(ctx));
  });

  router.get('/device/:deviceId/next', async (ctx) => {
    const hangUp = new AbortController();
    const onClose = () => hangUp.abort();
    ctx.res.once('close', onClose);
    try {
      const challenge = await nextRequest(
        d.envFor(ctx),
        ctx.params.deviceId,
        {
          timestamp: ctx.get('x-wayfinder-timestamp') || undefined,
          signature: ctx.get('x-wayfinder-signature') || undefined,
        },
        hangUp.signal,
      );
      if (challenge) ctx.body = { challenge };
      else ctx.status = 204;
    } finally {
      ctx.res.off('close', onClose);
    }
  });

  router.post('/challenges/:id/answer', async (ctx) => {
    ctx.body = await answerRequest(d.envFor(ctx), ctx.params.id, body(ctx));
  });

  return router;
}
