/**
 * A device as a person names it — "Chrome on Linux", "Safari on iOS" — from a User-Agent header
 * (bowser); an agent bowser does not know is shown as it calls itself. Undefined without a header
 * (the page then says "Unknown device").
 */
import Bowser from 'bowser';
import type { TFunction } from 'i18next';

export function deviceName(userAgent: string | null | undefined, t: TFunction): string | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name;
  const os = parsed.os.name;
  if (browser && os) return t('account.device_on', { browser, os });
  // Not a browser bowser knows (a script, an app): its own words, shortened.
  return browser || os || (userAgent.length > 80 ? `${userAgent.slice(0, 79)}…` : userAgent);
}
