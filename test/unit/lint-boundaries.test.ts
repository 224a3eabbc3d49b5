/**
 * The linter's boundary rules (../shared/DESIGN.md, "Shape of the code") fail on a deliberate
 * violation, naming the rule, and let the owning folder through. Each case lints a small text as if it
 * were a file of that folder (an existing file's path, so the type-aware parser knows it).
 */
import { jest } from '@jest/globals';
import { ESLint } from 'eslint';

jest.setTimeout(120_000);

const eslint = new ESLint({ cwd: process.cwd() });

async function findings(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

const ruled = (list: Array<{ rule: string | null; message: string }>, rule: string) => list.filter((m) => m.rule === rule);

describe('import boundaries', () => {
  const refused: Array<[string, string, string, RegExp]> = [
    [
      'oidc-provider outside src/oidc/',
      'src/login/journey.ts',
      "import { Provider } from 'oidc-provider';\nexport const p = Provider;\n",
      /only src\/oidc\/ imports oidc-provider/,
    ],
    [
      'samlify outside src/saml/',
      'src/connectors/saml.ts',
      "import samlify from 'samlify';\nexport const s = samlify;\n",
      /only src\/saml\/ imports samlify/,
    ],
    [
      'xml-crypto outside src/saml/',
      'src/connectors/oidc.ts',
      "import { SignedXml } from 'xml-crypto';\nexport const x = SignedXml;\n",
      /only src\/saml\//,
    ],
    [
      'xmldom outside src/saml/',
      'src/connectors/saml-metadata.ts',
      "import { DOMParser } from '@xmldom/xmldom';\nexport const d = DOMParser;\n",
      /only src\/saml\//,
    ],
    [
      'libxmljs outside src/saml/',
      'src/http/views.ts',
      "import libxmljs from 'libxmljs';\nexport const l = libxmljs;\n",
      /only src\/saml\//,
    ],
    [
      'kysely outside db/ and store files',
      'src/accounts/users.ts',
      "import { sql } from 'kysely';\nexport const q = sql`select 1`;\n",
      /only src\/db\/, \*store\.ts/,
    ],
    [
      'test/ from src/',
      'src/login/journey.ts',
      "import { startTestServer } from '../../test/helpers/server.js';\nexport const s = startTestServer;\n",
      /never imports from test\//,
    ],
    [
      'bench/ from src/',
      'src/app.ts',
      "import { runBenchmark } from '../bench/lib/processes.js';\nexport const r = runBenchmark;\n",
      /never imports from test\/ or bench\//,
    ],
  ];
  test.each(refused)('%s is refused, naming the design rule', async (_name, file, code, message) => {
    const errors = ruled(await findings(file, code), 'no-restricted-imports');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(message);
    expect(errors[0].message).toMatch(/DESIGN\.md/);
  });

  const allowed: Array<[string, string, string]> = [
    ['oidc-provider in src/oidc/', 'src/oidc/provider.ts', "import { Provider } from 'oidc-provider';\nexport const p = Provider;\n"],
    ['xmldom in src/saml/sp/', 'src/saml/sp/metadata.ts', "import { DOMParser } from '@xmldom/xmldom';\nexport const d = DOMParser;\n"],
    ['kysely in a store', 'src/accounts/store.ts', "import { sql } from 'kysely';\nexport const q = sql`select 1`;\n"],
    ['kysely in src/db/', 'src/db/migrate.ts', "import { sql } from 'kysely';\nexport const q = sql`select 1`;\n"],
  ];
  test.each(allowed)('%s is allowed', async (_name, file, code) => {
    expect(ruled(await findings(file, code), 'no-restricted-imports')).toEqual([]);
  });
});

describe('SQL only in store files', () => {
  const query = "import type { Db } from '../db/index.js';\nexport const all = (db: Db) => db.selectFrom('users').selectAll().execute();\n";
  test('a query builder outside a store is refused', async () => {
    const errors = ruled(await findings('src/accounts/users.ts', query), 'no-restricted-syntax');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/SQL is written only in a feature's store\.ts/);
  });
  test('the same query in a store is allowed', async () => {
    expect(ruled(await findings('src/accounts/store.ts', query), 'no-restricted-syntax')).toEqual([]);
  });
});

describe('route input only through the guard', () => {
  const raw: Array<[string, string]> = [
    ['ctx.query', "import type { Context } from 'koa';\nexport const token = (ctx: Context) => String(ctx.query.token ?? '');\n"],
    [
      'ctx.params',
      "import type { Context } from 'koa';\nexport const id = (ctx: Context & { params: Record<string, string> }) => ctx.params.id;\n",
    ],
    ['ctx.request.query', "import type { Context } from 'koa';\nexport const q = (ctx: Context) => ctx.request.query;\n"],
    ['env.ctx.query', "import type { Context } from 'koa';\nexport const q = (env: { ctx: Context }) => env.ctx.query.trust;\n"],
    [
      'a destructured query',
      "import type { Context } from 'koa';\nexport function q(ctx: Context) {\n  const { query } = ctx;\n  return query;\n}\n",
    ],
  ];
  test.each(raw)('a route reading %s is refused, naming the guard', async (_name, code) => {
    const errors = ruled(await findings('src/accounts/routes.ts', code), 'no-restricted-syntax');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/guard\(\{ query, params \}\)/);
  });
  test('the guard itself and the interaction glue may read them', async () => {
    const code = "import type { Context } from 'koa';\nexport const q = (ctx: Context) => ctx.query;\n";
    expect(ruled(await findings('src/http/guard.ts', code), 'no-restricted-syntax')).toEqual([]);
    expect(ruled(await findings('src/oidc/interactions.ts', code), 'no-restricted-syntax')).toEqual([]);
  });
  test('reading the guard result is allowed', async () => {
    const code = [
      "import { z } from 'zod';",
      "import { guard } from '../http/guard.js';",
      'const g = guard({ query: z.object({ token: z.string().optional() }) });',
      "export const token = (ctx: Parameters<typeof g.input>[0]) => g.input(ctx).query.token ?? '';",
      '',
    ].join('\n');
    expect(ruled(await findings('src/accounts/routes.ts', code), 'no-restricted-syntax')).toEqual([]);
  });
});

describe('type-aware rules in src/', () => {
  test('a floating promise, a misused promise, an explicit any and a value import of a type are findings', async () => {
    const code = [
      "import { Context } from 'koa';",
      'export async function work(): Promise<void> {}',
      'export function run(ctx: Context): void { work(); }',
      'export const later = (xs: number[]) => xs.forEach(async () => { await work(); });',
      'export const loose = (v: any) => v;',
      'export const check = async (): Promise<boolean> => true;',
      'export function branch() { if (check()) return 1; return 0; }',
      '',
    ].join('\n');
    const rules = (await findings('src/login/journey.ts', code)).map((m) => m.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        '@typescript-eslint/no-floating-promises',
        '@typescript-eslint/no-misused-promises',
        '@typescript-eslint/no-explicit-any',
        '@typescript-eslint/consistent-type-imports',
      ]),
    );
  });

  test('a src/ file over 300 lines is a finding', async () => {
    const code = Array.from({ length: 301 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    expect(ruled(await findings('src/login/journey.ts', code), 'max-lines')).toHaveLength(1);
  });
});
