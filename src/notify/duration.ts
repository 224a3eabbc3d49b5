/**
 * A duration in words, in the reader's language, in the largest whole unit: 86400 s is "24 hours"
 * in a page and "1 day" nowhere else — so both say the same: whole days only from 2 days up.
 */
import type { Language } from '../http/i18n.js';

export function humanDuration(seconds: number, lang: Language): string {
  const unit = (value: number, u: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'long' }).format(value);
  if (seconds >= 2 * 86400 && seconds % 86400 === 0) return unit(seconds / 86400, 'day');
  if (seconds >= 3600 && seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  return unit(Math.max(1, Math.round(seconds / 60)), 'minute');
}
