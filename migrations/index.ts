/** Every migration, by its dated name. A static list works the same under tsx, jest and a bundle. */
import type { Migration } from 'kysely';
import * as platform from './2026-11-21T0900_platform.js';
import * as accounts from './2026-11-21T0930_accounts.js';
import * as factors from './2026-11-21T1000_factors.js';
import * as smsWebauthn from './2026-11-22T0900_sms_webauthn.js';
import * as saml from './2026-11-22T1000_saml.js';
import * as companyId from './2026-11-23T0900_company_id.js';
import * as scim from './2026-12-02T1200_scim.js';
import * as social from './2026-12-02T1300_social.js';
import * as bootstrapApplied from './2026-12-02T1600_bootstrap_applied.js';
import * as scimNotify from './2026-12-03T1030_scim_notify.js';
import * as deviceSupport from './2026-12-03T1040_device_support.js';
import * as admin from './2026-12-03T1050_admin.js';
import * as apps from './2026-12-03T1400_apps.js';
import * as account from './2026-12-03T1430_account.js';
import * as branding from './2026-12-03T1420_branding.js';
import * as adminMore from './2026-12-03T1410_admin_more.js';

export const migrations: Record<string, Migration> = {
  '2026-11-21T0900_platform': platform,
  '2026-11-21T0930_accounts': accounts,
  '2026-11-21T1000_factors': factors,
  '2026-11-22T0900_sms_webauthn': smsWebauthn,
  '2026-11-22T1000_saml': saml,
  '2026-11-23T0900_company_id': companyId,
  '2026-12-02T1200_scim': scim,
  '2026-12-02T1300_social': social,
  '2026-12-02T1600_bootstrap_applied': bootstrapApplied,
  '2026-12-03T1030_scim_notify': scimNotify,
  '2026-12-03T1040_device_support': deviceSupport,
  '2026-12-03T1050_admin': admin,
  '2026-12-03T1400_apps': apps,
  '2026-12-03T1430_account': account,
  '2026-12-03T1420_branding': branding,
  '2026-12-03T1410_admin_more': adminMore,
};
