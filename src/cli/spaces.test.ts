import { describe, expect, it } from 'vitest';
import { CliError } from './output.js';
import { matchSpace, spacePath, type SpaceInfo } from './spaces.js';

const org = (name: string) => ({ id: name.padEnd(32, '0').slice(0, 32), name });
const spaces: SpaceInfo[] = [
  { space_id: 'a'.repeat(32), kind: 'instance', name: 'dev', org: org('acme'), created_at: '' },
  { space_id: 'b'.repeat(32), kind: 'instance', name: 'dev', org: org('other'), created_at: '' },
  { space_id: 'c'.repeat(32), kind: 'api_version', name: '1.0', api: 'orders', org: org('acme'), created_at: '' },
  { space_id: 'd'.repeat(32), kind: 'project', name: 'etl', project_space: 'shared', org: org('acme'), created_at: '' },
];

const code = (ref: string): string | undefined => {
  try {
    matchSpace(spaces, ref);
  } catch (e) {
    return e instanceof CliError ? e.code : 'other';
  }
  return undefined;
};

describe('naming a space', () => {
  it('by id, by org path, or by its path alone when only one space has it', () => {
    expect(matchSpace(spaces, 'c'.repeat(32)).space_id).toBe('c'.repeat(32));
    expect(matchSpace(spaces, 'acme/dev').space_id).toBe('a'.repeat(32));
    expect(matchSpace(spaces, 'acme/orders/1.0').space_id).toBe('c'.repeat(32));
    expect(matchSpace(spaces, 'orders/1.0').space_id).toBe('c'.repeat(32));
    expect(matchSpace(spaces, 'shared/etl').space_id).toBe('d'.repeat(32));
    expect(spaces.map(spacePath)).toEqual(['acme/dev', 'other/dev', 'acme/orders/1.0', 'acme/shared/etl']);
  });

  it('refuses a path two spaces have, and one no space has', () => {
    expect(code('dev')).toBe('ambiguous_space');
    expect(code('acme/nope')).toBe('not_found');
  });
});
