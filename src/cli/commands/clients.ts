/**
 * `client add | list | remove`: OIDC clients, from flags or from a file of RFC 7591 metadata (one
 * client or a list, YAML or JSON). A file is checked whole before anything is written, and a problem
 * is reported with its path (`[1].redirect_uris[0]: Invalid URL`). A generated secret is printed once;
 * replacing a client without --secret keeps its current secret. A thin shell over the admin
 * use-cases (src/admin/clients.ts): checks, existence and audit events are there.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { ClientInput } from '../../clients/registry.js';
import { badRequest } from '../../lib/errors.js';
import { adminOf, CLI_ACTOR } from '../admin.js';
import { list, str, UsageError, type Command, type Context, type Values } from '../context.js';
import { table } from '../format.js';

const FLAGS = [
  'id',
  'name',
  'redirect-uri',
  'grant-type',
  'auth-method',
  'secret',
  'first-party',
  'backchannel-logout-uri',
  'post-logout-redirect-uri',
];

function readClientFile(ctx: Context, file: string): ClientInput[] {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw badRequest(
      'bad_file',
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`,
    );
  }
  return adminOf(ctx).clients.parse(raw, file);
}

function fromFlags(v: Values): ClientInput {
  const id = str(v, 'id');
  if (!id) throw new UsageError('client add needs --id (or --file)');
  const method = str(v, 'auth-method') as ClientInput['token_endpoint_auth_method'];
  if (method === 'none' && str(v, 'secret')) throw new UsageError('--secret makes no sense with --auth-method none (a public client)');
  const input: Record<string, unknown> = {
    client_id: id,
    client_name: str(v, 'name'),
    redirect_uris: list(v, 'redirect-uri'),
    grant_types: list(v, 'grant-type'),
    token_endpoint_auth_method: method,
    client_secret: str(v, 'secret'),
    first_party: v['first-party'] === true ? true : undefined,
    backchannel_logout_uri: str(v, 'backchannel-logout-uri'),
    post_logout_redirect_uris: list(v, 'post-logout-redirect-uri'),
  };
  return Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined)) as ClientInput;
}

async function save(ctx: Context, input: ClientInput) {
  const saved = await adminOf(ctx).clients.save(undefined, CLI_ACTOR, input);
  ctx.out(`${saved.existed ? 'updated' : 'created'} client ${saved.clientId}`);
  if (saved.generatedSecret) ctx.out(`  client secret: ${saved.generatedSecret}   (generated; shown only now, give it to the app)`);
}

export const clientCommands: Command[] = [
  {
    name: 'client add',
    args:
      '--file <clients.yaml|json> | --id <id> [--name <n>] [--redirect-uri <url>]... [--grant-type <g>]... ' +
      '[--auth-method <m>] [--secret <s>] [--first-party] [--backchannel-logout-uri <url>] [--post-logout-redirect-uri <url>]...',
    summary: 'add or replace OIDC clients (a confidential client without --secret gets one generated)',
    options: {
      file: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'grant-type': { type: 'string', multiple: true },
      'auth-method': { type: 'string' },
      secret: { type: 'string' },
      'first-party': { type: 'boolean' },
      'backchannel-logout-uri': { type: 'string' },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
    },
    async run(ctx, v) {
      const file = str(v, 'file');
      if (file) {
        const extra = FLAGS.filter((f) => v[f] !== undefined);
        if (extra.length) throw new UsageError(`--file cannot be combined with ${extra.map((f) => `--${f}`).join(', ')}`);
        const clients = readClientFile(ctx, file);
        for (const c of clients) await save(ctx, c);
        return;
      }
      await save(ctx, fromFlags(v));
    },
  },
  {
    name: 'client list',
    summary: 'list OIDC clients',
    async run(ctx) {
      const rows = await adminOf(ctx).clients.list();
      if (!rows.length) return ctx.out('no clients');
      ctx.out(
        ...table(
          ['CLIENT_ID', 'NAME', 'AUTH', 'GRANTS', 'FIRST_PARTY', 'REDIRECT_URIS'],
          rows.map((r) => {
            const m = r.metadata as {
              client_name?: string;
              token_endpoint_auth_method?: string;
              grant_types?: string[];
              redirect_uris?: string[];
            };
            return [
              r.client_id,
              m.client_name,
              m.token_endpoint_auth_method,
              m.grant_types?.join(','),
              r.first_party ? 'yes' : 'no',
              m.redirect_uris?.join(' '),
            ];
          }),
        ),
      );
    },
  },
  {
    name: 'client remove',
    args: '<client_id>',
    summary: 'remove an OIDC client (running instances refuse it within seconds)',
    positionals: ['client_id'],
    async run(ctx, _v, [clientId]) {
      await adminOf(ctx).clients.remove(undefined, CLI_ACTOR, clientId);
      ctx.out(`removed client ${clientId}`);
    },
  },
];
