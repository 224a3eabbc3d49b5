/**
 * `client add | list | remove`: OIDC clients, from flags or from a file of RFC 7591 metadata (one
 * client or a list, YAML or JSON). A file is checked whole before anything is written, and a problem
 * is reported with its path (`[1].redirect_uris[0]: Invalid URL`). A generated secret is printed once;
 * replacing a client without --secret keeps its current secret.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { clientInputSchema, type ClientInput } from '../../clients/registry.js';
import { formatIssuePath } from '../../bootstrap/schema.js';
import { badRequest, notFound } from '../../lib/errors.js';
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

function readClientFile(file: string): ClientInput[] {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw badRequest(
      'bad_file',
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`,
    );
  }
  const entries = Array.isArray(raw) ? raw : [raw];
  for (const [i, entry] of entries.entries()) {
    const parsed = clientInputSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = formatIssuePath(Array.isArray(raw) ? [i, ...issue.path] : issue.path);
      throw badRequest('bad_file', `${file}: ${where || '(root)'}: ${issue.message}`);
    }
  }
  return entries as ClientInput[];
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
  const existed = Boolean(await ctx.services.clients.metadata(input.client_id));
  const { client_id, generatedSecret } = await ctx.services.clients.upsert(input);
  await ctx.audit(
    existed ? 'admin.client_updated' : 'admin.client_created',
    { clientId: client_id },
    { generatedSecret: Boolean(generatedSecret) },
  );
  ctx.out(`${existed ? 'updated' : 'created'} client ${client_id}`);
  if (generatedSecret) ctx.out(`  client secret: ${generatedSecret}   (generated; shown only now, give it to the app)`);
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
        const clients = readClientFile(file);
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
      const rows = await ctx.services.clients.list();
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
      if (!(await ctx.services.clients.remove(clientId))) throw notFound('no_client', `no client with id ${clientId}`);
      await ctx.audit('admin.client_removed', { clientId });
      ctx.out(`removed client ${clientId}`);
    },
  },
];
