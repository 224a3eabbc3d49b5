/**
 * Branding: what a deployment, an organization or an app may set (logo, product name, primary color,
 * favicon, background color, privacy and terms links), and the rules:
 * - precedence app > organization > deployment, field by field (an app that sets only its color keeps
 *   its organization's logo); a logo or favicon is one field, whether a URL or uploaded bytes;
 * - a primary color must reach WCAG AA (4.5:1) against the white text drawn on it and against the
 *   page background (the background color when one is set), or it is refused with the reason;
 * - links and image URLs are https (http only for localhost), so a page never loads an image or
 *   links a policy over plain HTTP;
 * - uploaded images are PNG, JPEG or WebP, recognised by their first bytes (never by a declared
 *   type), at most LOGO_MAX_BYTES; they are served with their recognised type and nosniff.
 */
import { z } from 'zod';

export const DEFAULT_COLOR = '#1f5fd1';
export const DEFAULT_BACKGROUND = '#f4f6f8';
export const DEFAULT_NAME = 'Wayfinder';
export const BUTTON_TEXT = '#ffffff';
export const MIN_CONTRAST = 4.5;
export const LOGO_MAX_BYTES = 100 * 1024;

/** The settings a scope stores (all optional; absent means "inherit"). */
export const SETTING_KEYS = [
  'product_name',
  'primary_color',
  'background_color',
  'logo_url',
  'favicon_url',
  'privacy_url',
  'terms_url',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type BrandSettings = Partial<Record<SettingKey, string>>;

const hex = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a color as #rrggbb')
  .transform((s) => s.toLowerCase());
const webUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((u) => u.startsWith('https:') || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(u), 'an https address');

export const brandSettingsSchema = z.strictObject({
  product_name: z.string().trim().min(1).max(100).optional(),
  primary_color: hex.optional(),
  background_color: hex.optional(),
  logo_url: webUrl.optional(),
  favicon_url: webUrl.optional(),
  privacy_url: webUrl.optional(),
  terms_url: webUrl.optional(),
});

/** sRGB relative luminance (WCAG 2.x). */
function luminance(color: string) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two #rrggbb colors (1 to 21). */
export function contrast(a: string, b: string) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export interface ContrastProblem {
  /** Translation key: branding.contrast_text (white button text) or branding.contrast_background. */
  key: 'branding.contrast_text' | 'branding.contrast_background';
  ratio: string;
  color: string;
  against: string;
}

/** Why a primary color (with this background) is refused, or undefined when it reaches AA. */
export function contrastProblem(primary: string, background = DEFAULT_BACKGROUND): ContrastProblem | undefined {
  const round = (n: number) => (Math.floor(n * 100) / 100).toFixed(2);
  const onText = contrast(primary, BUTTON_TEXT);
  if (onText < MIN_CONTRAST) return { key: 'branding.contrast_text', ratio: round(onText), color: primary, against: BUTTON_TEXT };
  const onPage = contrast(primary, background);
  if (onPage < MIN_CONTRAST) return { key: 'branding.contrast_background', ratio: round(onPage), color: primary, against: background };
  return undefined;
}

/** The image types we store, by their first bytes. */
export function imageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | undefined {
  const at = (offset: number, sig: number[]) => sig.every((b, i) => bytes[offset + i] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return undefined;
}

export type ImageProblem = 'branding.image_type' | 'branding.image_size';
export function imageProblem(bytes: Uint8Array): ImageProblem | undefined {
  if (bytes.length > LOGO_MAX_BYTES) return 'branding.image_size';
  return imageType(bytes) ? undefined : 'branding.image_type';
}

/** What a page or a mail shows: every field resolved (defaults filled in). */
export interface Brand {
  name: string;
  color: string;
  background: string;
  /** Absolute path on our origin (an uploaded image) or an https URL. */
  logo?: string;
  favicon: string;
  privacy?: string;
  terms?: string;
  /** Whether anything differs from Wayfinder's own look (pages then load the theme stylesheet). */
  custom: boolean;
}

export const DEFAULT_BRAND: Brand = {
  name: DEFAULT_NAME,
  color: DEFAULT_COLOR,
  background: DEFAULT_BACKGROUND,
  favicon: '/assets/favicon.svg',
  custom: false,
};
