/**
 * The push device API (JSON; HTTP only — the rules are in push-pairing.ts and push-device.ts):
 *   POST /api/push/pair                       pair a device with a code from the enrolment page
 *   GET  /api/push/device/:deviceId/next      long-poll for the request waiting for the device
 *                                             (X-Wayfinder-Timestamp + X-Wayfinder-Signature headers)
 *   POST /api/push/challenges/:id/answer      approve (with the number picked) or deny
 * These are machine endpoints authenticated by device signatures, not pages: no cookies, no CSRF
 * tokens, JSON errors (the /api/ prefix), bodies size-limited, nothing cached. Input goes through the
 * zod guard: a body or path of the wrong shape (types, missing or unknown fields, a NUL) is a 400
 * `invalid_input` naming the fields, before any lookup.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { parseBody } from '../http/body.js';
import { guard } from '../http/guard.js';
import type { FactorEnvFactory } from './env.js';
import { pairDevice, pairInput } from './push-pairing.js';
import { answerInput, answerRequest, nextRequest } from './push-device.js';

const id = z.string().min(1).max(100);
const pair = guard({ body: pairInput });
const poll = guard({ params: z.object({ deviceId: id }) });
const answer = guard({ params: z.object({ id }), body: answerInput });

export function pushDeviceRoutes(d: { envFor: FactorEnvFactory; maxBodyBytes: number }) {
  const router = new Router({ prefix: '/api/push' });
  router.use(parseBody(d.maxBodyBytes));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.post('/pair', pair, async (ctx) => {
    ctx.status = 201;
    ctx.body = await pairDevice(d.envFor(ctx), pair.input(ctx).body);
  });

  router.get('/device/:deviceId/next', poll, async (ctx) => {
    const hangUp = new AbortController();
    const onClose = () => hangUp.abort();
    ctx.res.once('close', onClose);
    try {
      const challenge = await nextRequest(
        d.envFor(ctx),
        poll.input(ctx).params.deviceId,
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

  router.post('/challenges/:id/answer', answer, async (ctx) => {
    const { params, body } = answer.input(ctx);
    ctx.body = await answerRequest(d.envFor(ctx), params.id, body);
  });

  return router;
}
