/**
 * The provisioning part of an organization in the bootstrap file: `provisioning_notify_email` (an
 * address, or null to clear it) and `provisioning_notify_language`, applied once per change of the
 * entry like the rest of the bootstrap (an address changed since with the CLI stays until the file
 * changes).
 */
import { z } from 'zod';
import { LANGUAGES } from '../http/i18n.js';
import type { Services } from '../services.js';
import { notifierOf } from './notify.js';

export const provisioningBootstrapFields = {
  /** Where mail goes when the organization's SCIM requests keep failing (null: nowhere). */
  provisioning_notify_email: z.email().nullable().optional(),
  provisioning_notify_language: z.enum(LANGUAGES).optional(),
};

export async function applyProvisioningNotify(services: Services, orgId: string, email: string | null, lang?: string) {
  await notifierOf(services).setAddress(undefined, { via: 'cli' }, orgId, email, lang);
}
