/**
 * SCIM errors (RFC 7644 §3.12): a status, a `scimType` where the RFC names one, and a detail the IdP
 * shows its administrator. They are AppErrors, so one escaping the SCIM routes still gets its 4xx.
 */
import { AppError } from '../lib/errors.js';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

export class ScimError extends AppError {
  constructor(
    status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(scimType ?? `scim_${status}`, status, detail, true, { scimType });
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);
export const preconditionFailed = (detail: string) => new ScimError(412, undefined, detail);
export const tooManyFailures = (wait: number) =>
  new ScimError(429, undefined, `too many requests with a token that is not valid from this address; try again in ${wait} seconds`);
export const notImplemented = (detail: string) => new ScimError(501, undefined, detail);
export const unauthorized = (detail: string) => new ScimError(401, undefined, detail);

/** The SCIM error body for a status and detail. */
export function errorBody(status: number, detail: string, scimType?: string) {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}
