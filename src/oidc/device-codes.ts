/**
 * What the device sign-in guards (src/device/) need to know about a device code before oidc-provider
 * redeems it: who approved it, how, and when. Rules: a code is looked up by its value only (never by
 * a user code here), and `refuse` ends it for good, so a refused redemption cannot be retried later.
 */
import type Provider from 'oidc-provider';

export interface DeviceCodeView {
  clientId: string;
  /** Set once the person approved it; unset while pending or after a denial. */
  accountId?: string;
  amr?: string[];
  acr?: string;
  authTime?: number;
  error?: string;
}

interface StoredDeviceCode {
  clientId: string;
  accountId?: string;
  amr?: string[];
  acr?: string;
  authTime?: number;
  error?: string;
  isExpired: boolean;
  consumed?: unknown;
  destroy(): Promise<void>;
}

export function createDeviceCodes(provider: () => Provider) {
  const find = async (value: string) =>
    (await provider().DeviceCode.find(value, { ignoreExpiration: false })) as unknown as StoredDeviceCode | undefined;
  return {
    async find(value: string): Promise<DeviceCodeView | undefined> {
      if (!/^[A-Za-z0-9_-]{10,100}$/.test(value)) return undefined;
      const code = await find(value);
      if (!code || code.isExpired || code.consumed) return undefined;
      return {
        clientId: code.clientId,
        accountId: code.accountId,
        amr: code.amr,
        acr: code.acr,
        authTime: code.authTime,
        error: code.error,
      };
    },
    async refuse(value: string) {
      await (await find(value))?.destroy();
    },
  };
}

export type DeviceCodes = ReturnType<typeof createDeviceCodes>;
