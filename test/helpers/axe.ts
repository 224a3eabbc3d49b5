/**
 * axe-core's WCAG checks on the page a browser test is showing. axe-core itself, evaluated in the page
 * through the DevTools protocol (so the pages' Content-Security-Policy does not stop it) and run there:
 * the same rules and results as @axe-core/playwright, which we used before, at a third of its time
 * (its per-call injection into every frame, and its cross-frame steps, cost about 0.7 s a page, and our
 * pages have no frames). A check of a page after navigating injects axe-core again.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, RunOptions } from 'axe-core';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe-core's results for the page's document, for rules with any of `tags`. */
export async function axeCheck(page: Page, tags: string[] = [...WCAG_AA, 'best-practice']): Promise<AxeResults> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  return page.evaluate(
    (values) =>
      (window as unknown as { axe: { run(c: Document, o: RunOptions): Promise<AxeResults> } }).axe.run(document, {
        runOnly: { type: 'tag', values },
      }),
    tags,
  );
}
