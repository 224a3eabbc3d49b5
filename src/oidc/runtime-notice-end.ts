/** Evaluated right after oidc-provider (src/oidc/lib.ts): console.warn is itself again. */
import { restoreWarn } from './runtime-notice.js';

restoreWarn();
