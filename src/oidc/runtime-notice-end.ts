/** Evaluated right after oidc-provider (src/oidc/lib.ts): console.warn is itself again, but for oidc-provider's expected body line. */
import { restoreWarn } from './runtime-notice.js';

restoreWarn();
