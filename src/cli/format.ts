/** Plain-text output helpers: aligned tables and short dates. */

export function table(headers: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string[] {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

export function when(date: Date | string | null | undefined): string {
  if (!date) return '-';
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
