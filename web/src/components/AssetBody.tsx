/**
 * An asset's references and body. The service never answers a secret in clear
 * (`{"value": "******", "encrypted": true}`); the console shows such a value as masked and
 * says which fields are secret, and masks a field with a secret's name all the same.
 */
import type { Asset } from '../types';

const SECRET_NAMES = new Set(['password', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'private_key', 'passphrase']);
export const MASK = '••••••';

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

export function AssetBody({ asset }: { asset: Asset }) {
  const { masked, fields } = maskSecrets(asset.body);
  return (
    <div className="asset-body">
      <dl className="facts">
        <div>
          <dt>Id</dt>
          <dd>
            <code>{asset.id}</code>
          </dd>
        </div>
        <div>
          <dt>Refers to</dt>
          <dd>{asset.refs.length === 0 ? <span className="muted">nothing</span> : asset.refs.map((r) => `${r.type} ${r.name}`).join(', ')}</dd>
        </div>
        {asset.size !== undefined ? (
          <div>
            <dt>Content</dt>
            <dd>{asset.size.toLocaleString()} bytes</dd>
          </div>
        ) : null}
        {fields.length > 0 ? (
          <div>
            <dt>Secret fields</dt>
            <dd>
              {fields.join(', ')} <span className="muted">(masked; never sent to the browser)</span>
            </dd>
          </div>
        ) : null}
      </dl>
      {asset.size === undefined ? (
        <pre className="json" tabIndex={0} aria-label={`Body of ${asset.type} ${asset.name}`}>
          {JSON.stringify(masked, null, 2)}
        </pre>
      ) : null}
    </div>
  );
}
