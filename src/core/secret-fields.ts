/**
 * Secret settings inside asset bodies (pure, no I/O).
 *
 * SnapLogic Accounts and ROMA data sources share the body shape
 *
 *     { property_map: { settings: { <field>: { value: … } | <string>, … }, info: { … } }, … }
 *
 * A settings field is secret when its key is one of the type's registry `secretFields`
 * (compared case-insensitively, so `Password` is as secret as `password`) or when it is
 * sent as `{ "value": …, "encrypted": true }`.
 *
 * Forms a secret field takes:
 *  - sealed (at rest, in exports):  `{ value: "$ap1$<keyid>$…", encrypted: true, key_id: "<keyid>" }`
 *  - masked (API responses):         `{ value: "******", encrypted: true }`
 *  - plain (input only):             `"text"`, `{ value: "text" }`, `{ value: "text", encrypted: true }`
 *
 * Decisions:
 *  - Numbers and booleans are secret values too: they are stringified (`String(v)`) and
 *    encrypted; after decryption they are strings. Objects and arrays are refused
 *    (DomainError `invalid_request` naming the field).
 *  - `null` and absent values stay as they are; `{ value: null }` stays `{ value: null }`.
 *  - A value that is already our ciphertext is kept byte for byte (its `key_id` is set from
 *    the ciphertext), even when this deployment lacks the key: that is how an account is
 *    imported without its secret (see `undecryptableSecretFields`).
 *  - A value starting with `$ap1$` claims to be our ciphertext and is never taken for plain
 *    text. When it is malformed, or names a key this ring holds but fails authentication,
 *    `sealSecrets` refuses it (DomainError `invalid_request` naming the field) and
 *    `undecryptableSecretFields` lists it, like a ciphertext under a key this ring lacks:
 *    an import drops it and brings the account in disabled.
 *  - `sealSecrets` refuses the mask `******` (DomainError `invalid_request`): a masked value
 *    reaching it means the caller forgot `mergeMaskedSecrets`, and sealing it would silently
 *    replace the real secret with six asterisks. (So `******` cannot be a password.)
 *  - Other keys of a field object (e.g. `expression`) are kept when sealing and when
 *    merging, and dropped when masking (a masked field is exactly `{ value, encrypted }`).
 *
 * Every function returns a deep copy and never mutates its inputs. Copies are JSON round
 * trips (bodies are JSON), and keys are written with `defineProperty`, so a settings key
 * such as `__proto__` or `constructor` stays an ordinary own property and never reaches a
 * prototype. Messages name accounts and fields, never a value.
 */
import { assetTypeInfo, type AssetType } from './asset-types.js';
import { DomainError } from './errors.js';
import { keyIdOf, looksSealed, type KeyRing } from '../secrets/key-ring.js';

export const SECRET_MASK = '******';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const getOwn = (o: JsonObject, k: string): Json | undefined => (hasOwn(o, k) ? o[k] : undefined);

/** Sets an own data property, even for `__proto__` (plain assignment would change the prototype). */
function setOwn(o: JsonObject, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** A deep copy by JSON round trip: `JSON.parse` makes `__proto__` an own property, never a prototype. */
function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The settings object of a (copied) body, or undefined when the body has none. */
function settingsOf(body: unknown): JsonObject | undefined {
  if (!isObject(body)) return undefined;
  const pm = getOwn(body, 'property_map');
  if (!isObject(pm)) return undefined;
  const settings = getOwn(pm, 'settings');
  return isObject(settings) ? settings : undefined;
}

function isSecretField(registry: ReadonlySet<string>, key: string, field: Json | undefined): boolean {
  if (registry.has(key.toLowerCase())) return true;
  return isObject(field) && getOwn(field, 'encrypted') === true;
}

const registries = new Map<AssetType, ReadonlySet<string>>();
/** The type's secret field names, lower-cased (built once per type). */
function registryOf(type: AssetType): ReadonlySet<string> {
  let r = registries.get(type);
  if (!r) registries.set(type, (r = new Set(assetTypeInfo(type).secretFields.map((f) => f.toLowerCase()))));
  return r;
}

/** The value a field carries: the string itself, or `value` of the object form. */
function valueOf(field: Json | undefined): Json | undefined {
  if (isObject(field)) return getOwn(field, 'value');
  return field;
}

const carriesValue = (field: Json | undefined): boolean => {
  const v = valueOf(field);
  return v !== undefined && v !== null;
};

/** Names of secret settings fields that carry a value (non-null), in body order. */
function secretKeysWithValue(type: AssetType, settings: JsonObject | undefined): string[] {
  if (!settings) return [];
  const registry = registryOf(type);
  return Object.keys(settings).filter((k) => {
    const field = getOwn(settings, k);
    return isSecretField(registry, k, field) && carriesValue(field);
  });
}

/** Secret settings fields present in the body with a value (not null), in body order. */
export function findSecretFields(type: AssetType, body: unknown): string[] {
  return secretKeysWithValue(type, settingsOf(body));
}

const isMask = (field: Json | undefined): boolean => valueOf(field) === SECRET_MASK;

function sealField(field: Json, key: string, ring: KeyRing): Json {
  const value = valueOf(field);
  if (value === undefined || value === null) return field;
  const out: JsonObject = Object.create(null) as JsonObject;
  if (isObject(field)) for (const k of Object.keys(field)) setOwn(out, k, field[k] as Json);
  if (looksSealed(value)) {
    const id = keyIdOf(value);
    if (id === null || (ring.has(id) && !ring.canDecrypt(value as string))) {
      throw new DomainError('invalid_request', `secret field '${key}' carries a ciphertext that does not decrypt (malformed or altered)`, { field: key });
    }
    setOwn(out, 'value', value);
    setOwn(out, 'encrypted', true);
    setOwn(out, 'key_id', keyIdOf(value) as string);
  } else {
    if (value === SECRET_MASK) {
      throw new DomainError('invalid_request', `secret field '${key}' carries the mask placeholder instead of a value`, { field: key });
    }
    if (typeof value === 'object') {
      throw new DomainError('invalid_request', `secret field '${key}' must be a string, number or boolean`, { field: key });
    }
    const cipher = ring.encrypt(String(value));
    setOwn(out, 'value', cipher);
    setOwn(out, 'encrypted', true);
    setOwn(out, 'key_id', ring.currentKeyId);
  }
  // Back to an ordinary object (JSON round trip keeps `__proto__` an own key).
  return clone(out);
}

/** Copy of `body` with every secret field sealed: plain values encrypted, our ciphertext kept. */
export function sealSecrets<T>(type: AssetType, body: T, ring: KeyRing): T {
  const copy = clone(body);
  const settings = settingsOf(copy);
  for (const key of secretKeysWithValue(type, settings)) {
    const s = settings as JsonObject;
    setOwn(s, key, sealField(getOwn(s, key) as Json, key, ring));
  }
  return copy;
}

/** Copy of `body` with every secret field shown as `{ value: "******", encrypted: true }`. */
export function maskSecrets<T>(type: AssetType, body: T): T {
  const copy = clone(body);
  const settings = settingsOf(copy);
  for (const key of secretKeysWithValue(type, settings)) {
    setOwn(settings as JsonObject, key, { value: SECRET_MASK, encrypted: true });
  }
  return copy;
}

/**
 * For an update: every secret field of `incoming` whose value is exactly the mask takes the
 * stored field (sealed) instead, so a client can GET, edit and PUT back without losing
 * secrets. A masked field with no stored secret behind it is a DomainError `invalid_request`.
 */
export function mergeMaskedSecrets<T>(type: AssetType, incoming: T, stored: unknown): T {
  const copy = clone(incoming);
  const settings = settingsOf(copy);
  if (!settings) return copy;
  const storedSettings = settingsOf(stored);
  const registry = registryOf(type);
  for (const key of Object.keys(settings)) {
    const field = getOwn(settings, key);
    if (!isSecretField(registry, key, field) || !isMask(field)) continue;
    const previous = storedSettings ? getOwn(storedSettings, key) : undefined;
    if (!carriesValue(previous)) {
      throw new DomainError('invalid_request', `secret field '${key}' is masked but there is no stored secret to keep`, { field: key });
    }
    setOwn(settings, key, clone(previous) as Json);
  }
  return copy;
}

/** Key ids of the ciphertexts in the body's secret fields, sorted, without duplicates. */
export function secretKeyIds(type: AssetType, body: unknown): string[] {
  const settings = settingsOf(body);
  const ids = new Set<string>();
  for (const key of secretKeysWithValue(type, settings)) {
    const id = keyIdOf(valueOf(getOwn(settings as JsonObject, key)));
    if (id !== null) ids.add(id);
  }
  return [...ids].sort();
}

/**
 * Secret fields whose value claims to be our ciphertext but that the ring cannot decrypt:
 * under a key it does not hold, malformed, or failing authentication (import: "imported
 * disabled, fields X, Y").
 */
export function undecryptableSecretFields(type: AssetType, body: unknown, ring: KeyRing): string[] {
  const settings = settingsOf(body);
  return secretKeysWithValue(type, settings).filter((key) => {
    const value = valueOf(getOwn(settings as JsonObject, key));
    return looksSealed(value) && !ring.canDecrypt(value as string);
  });
}

const describeAccount = (label: string | undefined): string => (label ? `account '${label}'` : 'the account');

function accountLabel(override: unknown, stored: unknown): string | undefined {
  for (const b of [override, stored]) {
    if (!isObject(b)) continue;
    for (const k of ['name', 'path', 'snode_id']) {
      const v = getOwn(b, k);
      if (typeof v === 'string' && v !== '') return v;
    }
  }
  return undefined;
}

/** Stored field updated with the override's value; other keys of the stored field are kept. */
function overrideField(storedField: Json | undefined, overrideFieldValue: Json | undefined): Json {
  if (overrideFieldValue === undefined) return clone(storedField ?? null);
  if (!isObject(overrideFieldValue)) {
    // Bare value in the override: keep the stored field's other keys.
    if (!isObject(storedField)) return overrideFieldValue;
    const out = clone(storedField);
    setOwn(out, 'value', overrideFieldValue);
    return out;
  }
  const out: JsonObject = isObject(storedField) ? clone(storedField) : {};
  for (const k of Object.keys(overrideFieldValue)) setOwn(out, k, clone(overrideFieldValue[k] as Json));
  return out;
}

/**
 * Applies one `file_account` entry to an account body. The override is an account object
 * (`{ snode_id, name, path, class_id, property_map }`) whose `property_map.settings` must
 * have exactly the stored settings keys, and whose `info` (optional) may only use stored
 * info keys; `class_id`, when both have one, must agree. Values in the override replace the
 * stored ones; a masked secret keeps the stored one; plain-text secrets are sealed. A shape
 * mismatch is a DomainError `invalid_request` naming the account and the field.
 * `label` names the account in messages (default: the override's or stored `name`/`path`/`snode_id`).
 */
export function applyAccountOverride<T>(type: AssetType, storedBody: T, overrideBody: unknown, ring: KeyRing, label?: string): T {
  const who = describeAccount(label ?? accountLabel(overrideBody, storedBody));
  const fail = (message: string, field?: string): never => {
    throw new DomainError('invalid_request', `file_account: ${who}: ${message}`, field === undefined ? { account: label ?? accountLabel(overrideBody, storedBody) ?? null } : { account: label ?? accountLabel(overrideBody, storedBody) ?? null, field });
  };

  const result = clone(storedBody);
  if (!isObject(result)) return fail('the stored asset has no property_map');
  if (!isObject(overrideBody)) return fail('the entry must be an object with a property_map');

  const storedClass = getOwn(result, 'class_id');
  const overrideClass = getOwn(overrideBody, 'class_id');
  if (typeof storedClass === 'string' && typeof overrideClass === 'string' && storedClass !== overrideClass) {
    fail(`class_id does not match the stored account's class_id`, 'class_id');
  }

  const storedPm = getOwn(result, 'property_map');
  const overridePm = getOwn(overrideBody, 'property_map');
  if (!isObject(storedPm)) return fail('the stored asset has no property_map');
  if (!isObject(overridePm)) return fail('the entry has no property_map object', 'property_map');
  const storedSettings = getOwn(storedPm, 'settings');
  const overrideSettings = getOwn(overridePm, 'settings');
  if (!isObject(storedSettings)) return fail('the stored asset has no property_map.settings');
  if (!isObject(overrideSettings)) return fail('the entry has no property_map.settings object', 'settings');

  const storedKeys = Object.keys(storedSettings);
  const overrideKeys = Object.keys(overrideSettings);
  for (const k of overrideKeys) if (!hasOwn(storedSettings, k)) fail(`settings field '${k}' is not in the stored account`, k);
  for (const k of storedKeys) if (!hasOwn(overrideSettings, k)) fail(`settings field '${k}' is missing (the property_map shape must be kept)`, k);

  const registry = registryOf(type);
  for (const k of storedKeys) {
    const storedField = getOwn(storedSettings, k);
    const incoming = getOwn(overrideSettings, k);
    if (isSecretField(registry, k, storedField) || isSecretField(registry, k, incoming)) {
      if (isMask(incoming)) continue; // keep the stored secret
      // An exported ciphertext left in place that this deployment can't read would be stored
      // as a secret nobody can use: the entry must carry the plain-text value instead.
      const v = valueOf(incoming);
      if (looksSealed(v) && !ring.canDecrypt(v as string)) fail(`secret field '${k}' carries an encrypted value this deployment can't decrypt; put its plain-text value in place`, k);
    }
    setOwn(storedSettings, k, overrideField(storedField, incoming));
  }

  const overrideInfo = getOwn(overridePm, 'info');
  if (overrideInfo !== undefined) {
    const storedInfo = getOwn(storedPm, 'info');
    if (!isObject(overrideInfo)) return fail('property_map.info must be an object', 'info');
    if (!isObject(storedInfo)) {
      const first = Object.keys(overrideInfo)[0];
      if (first !== undefined) fail(`info field '${first}' is not in the stored account`, first);
    } else {
      for (const k of Object.keys(overrideInfo)) {
        if (!hasOwn(storedInfo, k)) fail(`info field '${k}' is not in the stored account`, k);
        setOwn(storedInfo, k, overrideField(getOwn(storedInfo, k), getOwn(overrideInfo, k)));
      }
    }
  }

  try {
    return sealSecrets(type, result, ring);
  } catch (e) {
    if (e instanceof DomainError) fail(e.message);
    throw e;
  }
}

/** What `resealSecrets` did: the body with its secrets under the current key, and what moved. */
export interface Resealed<T> {
  body: T;
  /** [old ciphertext, new ciphertext] of every value moved to the current key. */
  moved: [string, string][];
  /** Secret values left as they were because the ring cannot decrypt them. */
  unreadable: number;
}

/**
 * Copy of `body` with every secret sealed under a key other than the ring's current one
 * re-sealed under the current one (its `key_id` follows). Values the ring cannot decrypt
 * (a key it does not hold, malformed, altered) are left untouched and counted.
 */
export function resealSecrets<T>(type: AssetType, body: T, ring: KeyRing): Resealed<T> {
  const copy = clone(body);
  const settings = settingsOf(copy);
  const out: Resealed<T> = { body: copy, moved: [], unreadable: 0 };
  for (const key of secretKeysWithValue(type, settings)) {
    const s = settings as JsonObject;
    const field = getOwn(s, key) as Json;
    const value = valueOf(field);
    if (!looksSealed(value)) continue;
    const cipher = value as string;
    if (!ring.canDecrypt(cipher)) {
      out.unreadable += 1;
      continue;
    }
    if (keyIdOf(cipher) === ring.currentKeyId) continue;
    const next = ring.reencrypt(cipher);
    out.moved.push([cipher, next]);
    if (isObject(field)) {
      setOwn(field, 'value', next);
      if (hasOwn(field, 'key_id')) setOwn(field, 'key_id', ring.currentKeyId);
    } else setOwn(s, key, next);
  }
  return out;
}

/** The values of the body's secret fields that claim to be sealed, in body order. */
export function sealedSecretValues(type: AssetType, body: unknown): string[] {
  const settings = settingsOf(body);
  return secretKeysWithValue(type, settings)
    .map((key) => valueOf(getOwn(settings as JsonObject, key)))
    .filter((v): v is string => looksSealed(v));
}
