/** Packages built in test code with the package writer. */
import { writePackage, type PackageAssetInput } from '../../src/package/package-writer.js';
import type { AccountsTemplate, PackageKind } from '../../src/package/manifest.js';
import { newAssetId, newId32 } from '../../src/core/ids.js';
import type { AssetType } from '../../src/core/asset-types.js';

export interface TestAsset {
  type: AssetType;
  name: string;
  body?: unknown;
  content?: Buffer;
  refs?: Array<{ type: AssetType; name: string }>;
  status?: 'enabled' | 'disabled';
  id?: string;
}

export async function buildPackage(kind: PackageKind, assets: TestAsset[], extra: { keyIds?: string[]; accountsTemplate?: AccountsTemplate } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const inputs: PackageAssetInput[] = assets.map((a) => {
    const base = { id: a.id ?? newAssetId(), type: a.type, name: a.name, status: a.status ?? 'enabled', refs: a.refs ?? [] };
    return a.content ? { ...base, content: a.content } : { ...base, body: a.body ?? {} };
  });
  await writePackage((c) => void chunks.push(Buffer.from(c)), {
    kind,
    source: { org_id: newId32(), org_name: 'test', space_id: newId32(), space_name: 'test', kind },
    keyIds: extra.keyIds ?? [],
    assets: inputs,
    ...(extra.accountsTemplate ? { accountsTemplate: extra.accountsTemplate } : {}),
  });
  return Buffer.concat(chunks);
}
