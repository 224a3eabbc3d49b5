/** The admin API's company sign-in operations (domains, connections, SSO only): part of the table in routes.ts. */
import { z } from 'zod';
import { connectionView, domainInput, domainView, ssoOnlyInput, type AdminCompany } from '../company.js';
import type { Call, Operation } from './routes.js';

export function companyOperations(company: AdminCompany): Operation[] {
  const id = (c: Call) => c.params.id;
  return [
    {
      method: 'get',
      path: '/domains',
      operationId: 'listDomains',
      summary: "The organization's email domains, verified or waiting for their DNS record",
      tag: 'Company sign-in',
      write: false,
      response: z.object({ items: z.array(domainView) }),
      handle: (c) => company.domains(c.orgId),
    },
    {
      method: 'post',
      path: '/domains',
      operationId: 'claimDomain',
      summary: 'Claim a domain: the answer names the DNS TXT record that verifies it',
      tag: 'Company sign-in',
      write: true,
      body: domainInput,
      response: domainView,
      status: 201,
      handle: (c) => company.claimDomain(c.ctx, c.orgId, domainInput.parse(c.body)),
    },
    {
      method: 'post',
      path: '/domains/{id}/verify',
      operationId: 'verifyDomain',
      summary: 'Look up the DNS TXT record now and verify the domain when it is there',
      tag: 'Company sign-in',
      write: true,
      response: domainView.extend({ outcome: z.string() }),
      handle: (c) => company.verifyDomain(c.ctx, c.orgId, id(c)),
    },
    {
      method: 'get',
      path: '/connections',
      operationId: 'listConnections',
      summary: "The organization's company IdP connections",
      tag: 'Company sign-in',
      write: false,
      response: z.object({ items: z.array(connectionView) }),
      handle: (c) => company.connections(c.orgId),
    },
    {
      method: 'post',
      path: '/connections/{id}/enable',
      operationId: 'enableConnection',
      summary: 'Enable a company IdP connection',
      tag: 'Company sign-in',
      write: true,
      response: connectionView,
      handle: (c) => company.setConnectionEnabled(c.ctx, c.orgId, id(c), true),
    },
    {
      method: 'post',
      path: '/connections/{id}/disable',
      operationId: 'disableConnection',
      summary: 'Disable a company IdP connection',
      tag: 'Company sign-in',
      write: true,
      response: connectionView,
      handle: (c) => company.setConnectionEnabled(c.ctx, c.orgId, id(c), false),
    },
    {
      method: 'get',
      path: '/policies/sso-only',
      operationId: 'getSsoOnly',
      summary: 'Whether members must sign in through the company IdP (off, pending a test sign-in, on)',
      tag: 'Policies',
      write: false,
      response: z.object({ mode: z.enum(['off', 'pending', 'on']) }),
      handle: (c) => company.ssoOnly(c.orgId),
    },
    {
      method: 'put',
      path: '/policies/sso-only',
      operationId: 'setSsoOnly',
      summary: 'Switch SSO only (on is refused with 409 until a test sign-in through an enabled connection succeeded)',
      tag: 'Policies',
      write: true,
      body: ssoOnlyInput,
      response: z.object({ mode: z.enum(['off', 'pending', 'on']) }),
      handle: (c) => company.setSsoOnly(c.ctx, c.orgId, ssoOnlyInput.parse(c.body)),
    },
  ];
}
