/**
 * `saml_service_providers` of the bootstrap file: each entry's metadata (inline, or a file relative
 * to the bootstrap file) registered with its settings. Registering is idempotent (the SP's id comes
 * from its entity ID), so applying the file twice leaves the same state as once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import type { Services } from '../services.js';
import { createSamlAdmin } from './index.js';
import type { spInputSchema } from './settings.js';
import type { z } from 'zod';
import { applyBrandingTo, type BrandingBootstrap } from '../branding/bootstrap.js';
import { samlClientId } from './sso.js';

type Entry = z.output<typeof spInputSchema>;

/** Reads an SP metadata file; a missing or unreadable file is a person's mistake, said plainly. */
export function readMetadataFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('bad_file', 400, `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it'}`);
  }
}

export function samlBootstrap(services: Services, bootstrapDir: string) {
  const { registry } = createSamlAdmin(services);
  return async (entry: Entry & { branding?: BrandingBootstrap }) => {
    const { metadata, metadata_file: file, branding, ...settings } = entry;
    const xml = metadata ?? readMetadataFile(path.resolve(bootstrapDir, file!));
    const sp = await registry.register(xml, settings);
    // The SP's people sign in through its internal client: its branding is that client's.
    await applyBrandingTo(services, 'client', samlClientId(sp.id), branding, bootstrapDir);
    return sp;
  };
}
