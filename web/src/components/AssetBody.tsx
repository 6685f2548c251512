/** An asset's references and body, its secrets masked (../secrets.ts). */
import type { Asset } from '../types';
import { maskSecrets } from '../secrets';

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
