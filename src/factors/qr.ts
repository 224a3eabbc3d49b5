/** QR codes (as data: URLs) for the enrolment pages of TOTP and push; qrcode is loaded on first use. */
import type * as QRCode from 'qrcode';
import { lazyModule } from '../lib/lazy-module.js';

const qrcode = lazyModule<typeof QRCode>('qrcode');

export const qrDataUrl = (text: string, options: QRCode.QRCodeToDataURLOptions) => qrcode().toDataURL(text, options);
