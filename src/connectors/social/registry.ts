/**
 * Every social provider, by name. The `satisfies` makes a missing provider a compile error; adding
 * one means one file and one line here.
 */
import { apple } from './apple.js';
import { facebook } from './facebook.js';
import { google } from './google.js';
import { linkedin } from './linkedin.js';
import { microsoft } from './microsoft.js';
import { genericOidc } from './oidc.js';
import type { AnySocialProvider, SocialProviderKind } from './types.js';

export const SOCIAL_PROVIDERS = {
  google,
  microsoft,
  apple,
  facebook,
  linkedin,
  oidc: genericOidc,
} satisfies Record<SocialProviderKind, AnySocialProvider>;

export const SOCIAL_PROVIDER_NAMES = Object.keys(SOCIAL_PROVIDERS) as [SocialProviderKind, ...SocialProviderKind[]];

export function socialProviderOf(name: string): AnySocialProvider | undefined {
  return Object.prototype.hasOwnProperty.call(SOCIAL_PROVIDERS, name)
    ? (SOCIAL_PROVIDERS as Record<string, AnySocialProvider>)[name]
    : undefined;
}
