/** The admin API's policy operations (two-step verification, session lengths): part of the table in routes.ts. */
import { z } from 'zod';
import { twoStepInput, twoStepView, type AdminOrganization } from '../organization.js';
import { sessionLengthsInput, sessionLengthsView, type AdminSessions } from '../sessions.js';
import type { Operation } from './routes.js';

export function policyOperations(organization: AdminOrganization, sessions: AdminSessions): Operation[] {
  return [
    {
      method: 'get',
      path: '/policies/two-step',
      operationId: 'getTwoStepPolicy',
      summary: 'Who must use two-step verification, the primary method and trusted-device days',
      tag: 'Policies',
      write: false,
      response: twoStepView,
      handle: (c) => organization.twoStep(c.orgId),
    },
    {
      method: 'put',
      path: '/policies/two-step',
      operationId: 'setTwoStepPolicy',
      summary: 'Set the two-step verification policy (a new primary method resets covered enrolments)',
      tag: 'Policies',
      write: true,
      body: twoStepInput,
      response: twoStepView.extend({ reset: z.number() }),
      handle: (c) => organization.setTwoStep(c.ctx, c.orgId, twoStepInput.parse(c.body)),
    },
    {
      method: 'get',
      path: '/policies/sessions',
      operationId: 'getSessionLengths',
      summary: 'How long sign-ins of members last, without and with "Stay signed in" (null: the deployment\'s)',
      tag: 'Policies',
      write: false,
      response: sessionLengthsView,
      handle: (c) => sessions.get(c.orgId),
    },
    {
      method: 'put',
      path: '/policies/sessions',
      operationId: 'setSessionLengths',
      summary: "Set the session lengths (at most the deployment's: 400 out_of_bounds); open sessions follow at once",
      tag: 'Policies',
      write: true,
      body: sessionLengthsInput,
      response: sessionLengthsView,
      handle: (c) => sessions.set(c.ctx, c.orgId, sessionLengthsInput.parse(c.body)),
    },
  ];
}
