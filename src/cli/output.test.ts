import { describe, expect, it } from 'vitest';
import { CliError, colorEnabled, errorLine, usageError } from './output.js';

describe('command output', () => {
  it('shows an error as one line with its code, and its exit code', () => {
    expect(errorLine(new CliError('conflict', 'Two lines\n  of text.'))).toEqual({ line: 'assetport: conflict: Two lines of text.', exitCode: 1 });
    expect(errorLine(usageError('--to is required'))).toEqual({ line: 'assetport: usage: --to is required', exitCode: 2 });
    expect(errorLine(new TypeError('boom'))).toEqual({ line: 'assetport: internal: boom', exitCode: 1 });
  });

  it('colours a terminal only, never with NO_COLOR or --no-color', () => {
    expect(colorEnabled({ isTTY: true }, {}, true)).toBe(true);
    expect(colorEnabled({ isTTY: false }, {}, true)).toBe(false);
    expect(colorEnabled({}, {}, true)).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ isTTY: true }, {}, false)).toBe(false);
  });
});
