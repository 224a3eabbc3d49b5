// The linter encodes ../shared/DESIGN.md's boundaries ("Shape of the code") and the type-aware rules
// the code relies on. `npm run lint` runs it with prettier's check; `npm test` runs `npm run lint` first.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const DESIGN = 'see ../shared/DESIGN.md, "Shape of the code"';

/** Packages only one part of the code may import, with the rule that says so. */
const OWNED = [
  { names: ['oidc-provider'], owner: 'src/oidc/', rule: 'only src/oidc/ imports oidc-provider' },
  {
    names: ['samlify', 'xml-crypto', '@xmldom/xmldom', 'libxmljs', 'xml-encryption'],
    owner: 'src/saml/',
    rule: 'only src/saml/ imports samlify and the XML libraries (SP-side parsing lives in src/saml/sp/)',
  },
  { names: ['kysely'], owner: 'src/db/, *store.ts and migrations/', rule: 'only src/db/, *store.ts files and migrations/ import kysely' },
];
const NO_TESTS = {
  group: ['**/test/**', '**/bench/**', '../test/*', '../bench/*'],
  message: `src/ never imports from test/ or bench/ (${DESIGN}).`,
};

/** no-restricted-imports for a part of the code that may use the given owned packages. */
function restrictedImports(allowed = []) {
  const paths = OWNED.filter((o) => !allowed.includes(o.owner)).flatMap((o) =>
    o.names.map((name) => ({ name, message: `${o.rule} (${DESIGN}).`, allowTypeImports: false })),
  );
  const patterns = OWNED.filter((o) => !allowed.includes(o.owner)).flatMap((o) =>
    o.names.map((name) => ({ group: [`${name}/*`], message: `${o.rule} (${DESIGN}).` })),
  );
  return ['error', { paths, patterns: [...patterns, NO_TESTS] }];
}

/** Query builders (SQL) are written only in store files and src/db/. */
const SQL_OUTSIDE_STORE = {
  selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]',
  message: `SQL is written only in a feature's store.ts (or src/db/): call the store instead (${DESIGN}).`,
};

/** Route input (query string, path parameters) is read through the zod guard (src/http/guard.ts), never raw. */
const GUARD =
  'declare it with guard({ query, params }) from src/http/guard.ts and read guard.input(ctx) (field schemas in src/http/route-fields.ts)';
const RAW_ROUTE_INPUT = [
  {
    selector: "MemberExpression[property.name=/^(query|params)$/][object.name='ctx']",
    message: `A route reads no raw ctx.query or ctx.params: ${GUARD}.`,
  },
  {
    selector: 'MemberExpression[property.name=/^(query|params)$/][object.property.name=/^(ctx|request)$/]',
    message: `A route reads no raw ctx.query, ctx.request.query or ctx.params: ${GUARD}.`,
  },
  {
    selector: "VariableDeclarator[init.name='ctx'] > ObjectPattern > Property[key.name=/^(query|params)$/]",
    message: `A route reads no raw ctx.query or ctx.params: ${GUARD}.`,
  },
];
/** Where raw route input is read: the guard and the HTTP plumbing, the oidc interaction glue, and a file another change owns. */
const RAW_INPUT_ALLOWED = ['src/http/**/*.ts', 'src/oidc/interactions.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': restrictedImports(),
      'no-restricted-syntax': ['error', SQL_OUTSIDE_STORE, ...RAW_ROUTE_INPUT],
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
    },
  },
  { files: RAW_INPUT_ALLOWED, rules: { 'no-restricted-syntax': ['error', SQL_OUTSIDE_STORE] } },
  { files: ['src/oidc/**/*.ts'], rules: { 'no-restricted-imports': restrictedImports(['src/oidc/']) } },
  { files: ['src/saml/**/*.ts'], rules: { 'no-restricted-imports': restrictedImports(['src/saml/']) } },
  {
    files: ['src/db/**/*.ts', 'src/**/*store.ts'],
    rules: { 'no-restricted-imports': restrictedImports(['src/db/, *store.ts and migrations/']), 'no-restricted-syntax': 'off' },
  },
  {
    files: ['migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/**'], message: 'migrations/ never import src/ (' + DESIGN + ').' }] },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['src/**/assets/**/*.js'], languageOptions: { globals: globals.browser } },
  prettier,
);
