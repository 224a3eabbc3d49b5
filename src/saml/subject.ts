/**
 * What an assertion says about the person, per the SP's settings. Rules:
 * - NameID persistent (default): an opaque random value per (person, SP), stored, so it survives an
 *   email change and differs between SPs; emailAddress and unspecified: the email; transient: a new
 *   random value per assertion;
 * - attributes only from the SP's mapping; values are plain strings (escaped when the XML is built);
 *   a source with no value (no name, no groups) leaves the attribute out;
 * - the authentication context says multi-factor when the sign-in was (amr has `mfa`, or the acr
 *   says so), otherwise password.
 */
import { randomBytes } from 'node:crypto';
import type { User } from '../accounts/store.js';
import { ACR } from '../login/gate.js';
import { AUTHN_CONTEXT } from './lib.js';
import type { ServiceProvider } from './registry.js';
import { NAMEID_FORMATS, type AttributeSource } from './settings.js';
import type { SamlAttribute } from './assertion.js';
import type { SamlStore } from './store.js';

const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const BASIC_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';

export interface SubjectDeps {
  store: SamlStore;
  organizationsOf: (userId: string) => Promise<string[]>;
}

export async function nameIdFor(d: SubjectDeps, user: User, sp: ServiceProvider) {
  const format = sp.settings.nameid_format;
  const value =
    format === 'persistent'
      ? await d.store.persistentNameId(user.id, sp.id)
      : format === 'transient'
        ? `_${randomBytes(20).toString('hex')}`
        : user.email;
  return { value, format: NAMEID_FORMATS[format] };
}

export async function attributesFor(d: SubjectDeps, user: User, sp: ServiceProvider): Promise<SamlAttribute[]> {
  const sources = new Set(Object.values(sp.settings.attributes).filter((s): s is AttributeSource => typeof s === 'string'));
  const groups = sources.has('groups') ? await d.store.groupNamesOf(user.id) : [];
  const organizations = sources.has('organizations') ? await d.organizationsOf(user.id) : [];
  const valuesOf = (source: AttributeSource): string[] => {
    switch (source) {
      case 'email':
        return [user.email];
      case 'name':
        return user.name ? [user.name] : [];
      case 'given_name':
        return user.given_name ? [user.given_name] : [];
      case 'family_name':
        return user.family_name ? [user.family_name] : [];
      case 'groups':
        return groups;
      case 'organizations':
        return organizations;
      case 'id':
        return [user.id];
    }
  };
  return Object.entries(sp.settings.attributes).map(([name, source]) => ({
    name,
    nameFormat: name.includes(':') ? URI_FORMAT : BASIC_FORMAT,
    values: typeof source === 'string' ? valuesOf(source) : [source.value],
  }));
}

export function authnContextFor(amr: string[], acr: string | undefined) {
  return amr.includes('mfa') || acr === ACR.mfa ? AUTHN_CONTEXT.mfa : AUTHN_CONTEXT.password;
}
