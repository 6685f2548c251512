/** The console's own logic that needs no browser: reading the event stream, masking secrets. */
import { describe, expect, it } from 'vitest';
import { parseEvents } from './events';
import { maskSecrets } from './secrets';

describe('parseEvents', () => {
  it('splits complete events, keeps the unfinished rest, skips comments and joins data lines', () => {
    const { events, rest } = parseEvents('event: state\ndata: {"state":"QUEUED","progress":0}\n\n: keep-alive\n\nevent: progress\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: done\ndata: {"id"');
    expect(events).toEqual([
      { event: 'state', data: '{"state":"QUEUED","progress":0}' },
      { event: 'progress', data: '{"a":\n1}' },
    ]);
    expect(rest).toBe('event: done\ndata: {"id"');
    expect(parseEvents(`${rest}:"x"}\n\n`).events).toEqual([{ event: 'done', data: '{"id":"x"}' }]);
  });
});

describe('maskSecrets', () => {
  it('masks encrypted settings and settings with a secret name, and names them', () => {
    const body = { property_map: { settings: { user: { value: 'app' }, password: { value: '******', encrypted: true }, Token: { value: 'plain' }, note: { value: 'x', encrypted: true } } }, token: 'not a setting' };
    const { masked, fields } = maskSecrets(body);
    expect(fields.sort()).toEqual(['Token', 'note', 'password']);
    expect(JSON.stringify(masked)).not.toContain('plain');
    expect(masked).toEqual({ property_map: { settings: { user: { value: 'app' }, password: { value: '••••••', encrypted: true }, Token: { value: '••••••' }, note: { value: '••••••', encrypted: true } } }, token: 'not a setting' });
  });
});
