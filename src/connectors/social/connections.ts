/**
 * Managing social connections (bootstrap file, CLI). Rules:
 * - a connection's id is a stable slug (part of its callback URL), its provider one of registry.ts;
 * - settings are validated whole (unknown keys refused) and by the provider (required settings);
 * - the client secret (Apple: the private key) is sealed at rest and never printed back; a secret not
 *   given again keeps the sealed one;
 * - the sign-in page shows a button for each enabled connection, in the configured order.
 */
import { z } from 'zod';
import type { SecretBox } from '../../lib/secretbox.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { connectionIdSchema } from '../connections.js';
import { SOCIAL_PROVIDER_NAMES, socialProviderOf } from './registry.js';
import type { SocialConnectionRow, SocialStore } from './store.js';
import { socialSettings, type SocialConnection, type SocialProviderKind } from './types.js';

const SECRET_PURPOSE = 'social-connection-secret';

/** One social connection as written in the bootstrap file (`social_providers: [...]`). */
export const socialEntrySchema = socialSettings
  .extend({
    provider: z.enum(SOCIAL_PROVIDER_NAMES),
    id: connectionIdSchema,
    name: z.string().min(1).max(100),
    enabled: z.boolean().default(true),
    client_secret: z.string().min(1).max(10_000).optional(),
  })
  .superRefine((e, ctx) => {
    const problem = socialProviderOf(e.provider)?.problem?.(e);
    if (problem) ctx.addIssue({ code: 'custom', path: [], message: problem });
  });
export type SocialEntry = z.infer<typeof socialEntrySchema>;

type Button = { id: string; name: string; provider: SocialProviderKind; mark: string };

/**
 * `buttonsMs`: how long the sign-in page's buttons are kept in memory (the email page of every
 * sign-in shows them; issue 18). A change made here clears them at once; one made by another
 * instance (or the CLI) shows within this bound.
 */
export function createSocialConnections(store: SocialStore, box: SecretBox, buttonsMs = 2000) {
  let signInButtons: { until: number; buttons: Promise<Button[]> } | undefined;
  const changed = () => {
    signInButtons = undefined;
  };
  async function buttonsOf(alsoIds: string[]): Promise<Button[]> {
    return (await store.listConnections())
      .filter((r) => (r.enabled || alsoIds.includes(r.id)) && socialProviderOf(r.provider))
      .map((r) => ({ id: r.id, name: r.name, provider: r.provider, mark: socialProviderOf(r.provider)!.mark }));
  }

  function toConnection(row: SocialConnectionRow): SocialConnection {
    return {
      id: row.id,
      provider: row.provider,
      name: row.name,
      enabled: row.enabled,
      settings: socialSettings.parse(row.settings),
      secret: row.secret_enc ? box.open(row.secret_enc, SECRET_PURPOSE) : undefined,
      updatedAt: row.updated_at,
    };
  }

  return {
    toConnection,

    async find(id: string): Promise<SocialConnection | undefined> {
      const row = await store.findConnection(String(id ?? ''));
      return row && socialProviderOf(row.provider) ? toConnection(row) : undefined;
    },

    /** Validates and saves an entry; `position` orders the buttons. */
    async save(input: SocialEntry | z.input<typeof socialEntrySchema>, position = 0) {
      const parsed = socialEntrySchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badRequest(
          'invalid_connection',
          `social provider ${String((input as { id?: unknown }).id ?? '')}: ${issue.path.join('.') || '(entry)'}: ${issue.message}`,
        );
      }
      const { provider, id, name, enabled, client_secret: secret, ...settings } = parsed.data;
      const existing = await store.findConnection(id);
      const secretEnc =
        secret !== undefined
          ? existing?.secret_enc && box.open(existing.secret_enc, SECRET_PURPOSE) === secret
            ? existing.secret_enc
            : box.seal(secret, SECRET_PURPOSE)
          : (existing?.secret_enc ?? null);
      try {
        return await store.upsertConnection({
          id,
          provider: provider as SocialProviderKind,
          name,
          enabled,
          position,
          settings,
          secret_enc: secretEnc,
        });
      } finally {
        changed();
      }
    },

    async setEnabled(id: string, enabled: boolean) {
      if (!(await store.findConnection(id))) throw notFound('no_connection', `no social provider ${id}`);
      await store.setEnabled(id, enabled).finally(changed);
    },

    async list() {
      return (await store.listConnections()).filter((r) => socialProviderOf(r.provider));
    },

    /** The buttons of the sign-in page: enabled connections, each with its label and its provider's mark. */
    /** `alsoIds`: connections shown even when switched off (My account lists a person's links, to remove them). */
    /** The sign-in page's own (no `alsoIds`) are kept `buttonsMs`; a failed read is not kept. */
    async buttons(alsoIds: string[] = []): Promise<Button[]> {
      if (alsoIds.length) return buttonsOf(alsoIds);
      if (!signInButtons || signInButtons.until <= Date.now()) {
        const entry = { until: Date.now() + buttonsMs, buttons: buttonsOf([]) };
        signInButtons = entry;
        entry.buttons.catch(() => {
          if (signInButtons === entry) signInButtons = undefined;
        });
      }
      return signInButtons.buttons;
    },
  };
}
export type SocialConnections = ReturnType<typeof createSocialConnections>;
