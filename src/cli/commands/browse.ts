/** `assetport spaces` and `assetport assets <space>`. */
import type { Command } from 'commander';
import { plainTable } from '../render-plan.js';
import { resolveSpace, spacePath, type SpaceInfo } from '../spaces.js';
import { clientCommand, connect, runAction, type CommonOptions } from './common.js';

interface AssetRow {
  id: string;
  type: string;
  name: string;
  status: string;
  revision: number;
  updated_at: string;
}

export function browseCommands(program: Command): void {
  clientCommand(program, 'spaces', 'list the spaces you may see (instances, API versions, projects)', ['assetport spaces', 'assetport spaces --org acme --kind instance --json'])
    .option('--org <org>', 'only this org (name or id)')
    .option('--kind <kind>', 'instance, api_version or project')
    .action(
      runAction<CommonOptions & { org?: string; kind?: string }>(async (out, opts) => {
        const { items } = await connect().get<{ items: SpaceInfo[] }>('/spaces', { org: opts.org, kind: opts.kind });
        if (out.json) out.data({ items });
        else if (items.length === 0) out.line('No spaces.');
        else out.line(plainTable(['SPACE', 'KIND', 'ID', 'CREATED'], items.map((s) => [spacePath(s), s.kind === 'api_version' && s.published ? 'api_version (published)' : s.kind, s.space_id, s.created_at])));
      }),
    );

  clientCommand(program, 'assets <space>', "list a space's assets", ['assetport assets acme/dev', 'assetport assets acme/orders/1.0 --type Pipeline --json'])
    .option('--type <type>', 'only this asset type')
    .action(
      runAction<CommonOptions & { type?: string }>(async (out, opts, args) => {
        const api = connect();
        const space = await resolveSpace(api, args[0]!);
        const items = await api.all<AssetRow & Record<string, unknown>>(`/spaces/${space.space_id}/assets`, { type: opts.type, limit: 1000 }, 'after');
        if (out.json) out.data({ space_id: space.space_id, items });
        else if (items.length === 0) out.line(`${spacePath(space)} holds no assets${opts.type ? ` of type ${opts.type}` : ''}.`);
        else out.line(plainTable(['TYPE', 'NAME', 'STATUS', 'REV', 'ID', 'UPDATED'], items.map((a) => [a.type, a.name, a.status === 'disabled' ? out.color.yellow(a.status) : a.status, String(a.revision), a.id, a.updated_at])));
      }),
    );
}
