/**
 * The service never answers a secret in clear (`{"value": "******", "encrypted": true}`);
 * the console shows such a value masked and says which fields are secret, and masks a
 * setting with a secret's name all the same.
 */
const SECRET_NAMES = new Set(['password', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'private_key', 'passphrase']);
const MASK = '••••••';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The body with every secret setting's value replaced by the mask; the secret fields' names. */
export function maskSecrets(body: unknown): { masked: Json; fields: string[] } {
  const fields: string[] = [];
  const walk = (v: Json, key: string | null, inSettings: boolean): Json => {
    if (Array.isArray(v)) return v.map((x) => walk(x, null, false));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, Json>;
    if (inSettings && key !== null && (o.encrypted === true || SECRET_NAMES.has(key.toLowerCase())) && 'value' in o) {
      fields.push(key);
      return { ...o, value: MASK };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, k, key === 'settings')]));
  };
  return { masked: walk(body as Json, null, false), fields };
}
