/**
 * The one place oidc-provider's code is loaded (types may be imported directly): between the two
 * runtime-notice modules, so its "Unsupported runtime" line is dropped where that is known to be
 * wrong (src/oidc/runtime-notice.ts). ES modules evaluate their imports in order.
 */
import './runtime-notice.js';
import Provider, { errors, interactionPolicy } from 'oidc-provider';
import './runtime-notice-end.js';

export default Provider;
export { errors, interactionPolicy };
