import { describe, expect, it } from 'vitest';
import {
  checkApiName,
  checkAssetName,
  checkInstanceName,
  checkOrgName,
  checkProjectName,
  checkProjectSpaceName,
  checkRomaName,
  checkSnapLogicAssetName,
  checkUserName,
  checkVersionName,
  isValidRomaUploadName,
} from './names.js';

describe('SnapLogic asset names', () => {
  it.each(['books', 'Load books (v2) [main]', 'a!"$%&\'()*+,-.:;<=>@[]^_`{|}~ b', 'Ünïcødé 名前', 'x'.repeat(256)])('accepts %s', (n) => {
    expect(checkSnapLogicAssetName(n)).toBeNull();
  });
  it.each([
    ['', /empty/],
    ['x'.repeat(257), /256/],
    ['a/b', /only/],
    ['a\\b', /only/],
    ['a#b', /only/],
    ['a?b', /only/],
    ['tab\there', /control/],
    [' lead', /white space/],
    ['..', /"\."/],
  ])('refuses %j', (n, why) => {
    expect(checkSnapLogicAssetName(n)).toMatch(why);
  });
  it('refuses non-strings', () => {
    expect(checkSnapLogicAssetName(42)).toMatch(/string/);
    expect(checkSnapLogicAssetName(null)).toMatch(/string/);
  });
});

describe('API and version names', () => {
  it.each(['Books', '1.0', 'v2 beta', 'x'.repeat(256)])('accepts %s', (n) => expect(checkApiName(n)).toBeNull());
  it.each([
    ['_books', /start with a letter or digit/],
    ['my shared api', /shared/],
    ['SHARED', /shared/],
    ['a|b', /must not contain/],
    ['a<b', /must not contain/],
    ['a{b}', /must not contain/],
    ['a/b', /must not contain/],
    ['a\\b', /must not contain/],
    ['x'.repeat(257), /256/],
  ])('refuses %j', (n, why) => expect(checkApiName(n)).toMatch(why));
  it('names versions in its messages', () => expect(checkVersionName('')).toMatch(/^version name/));
  it('"shared" is refused in API names only', () => {
    for (const n of ['shared', 'Shared', 'my shared space', 'sharedx']) {
      expect(checkProjectSpaceName(n)).toBeNull();
      expect(checkProjectName(n)).toBeNull();
      expect(checkVersionName(n)).toBeNull();
      expect(checkApiName(n)).toBe('API name must not contain "shared"');
    }
  });
});

describe('characters no name may contain', () => {
  const checks: Array<[string, (n: unknown) => string | null]> = [
    ['org', checkOrgName],
    ['instance', checkInstanceName],
    ['API', checkApiName],
    ['version', checkVersionName],
    ['project space', checkProjectSpaceName],
    ['project', checkProjectName],
    ['user', checkUserName],
    ['SnapLogic asset', (n) => checkAssetName('snaplogic', 'Pipeline', n)],
    ['expression', (n) => checkAssetName('snaplogic', 'Expression', n)],
    ['ROMA asset', (n) => checkAssetName('roma', 'application', n)],
  ];
  const cases: Array<[number, string]> = [
    [0x00, 'a control character (U+0000)'],
    [0x09, 'a control character (U+0009)'],
    [0x1b, 'a control character (U+001B)'],
    [0x7f, 'a control character (U+007F)'],
    [0x85, 'a control character (U+0085)'],
    [0x9f, 'a control character (U+009F)'],
    [0x202a, 'a bidirectional override (U+202A)'],
    [0x202e, 'a bidirectional override (U+202E)'],
    [0x2066, 'a bidirectional isolate (U+2066)'],
    [0x2069, 'a bidirectional isolate (U+2069)'],
    [0x2028, 'a line or paragraph separator (U+2028)'],
    [0x2029, 'a line or paragraph separator (U+2029)'],
  ];
  it.each(checks)('%s names refuse them, saying which', (_what, check) => {
    for (const [c, why] of cases) {
      const name = `abc${String.fromCodePoint(c)}1.expr`;
      expect(check(name), name).toMatch(new RegExp(`must not contain ${why.replace(/[()+]/g, '\\$&')}$`));
    }
  });
  it('allows the characters around them', () => {
    expect(checkSnapLogicAssetName('café x')).toBeNull();
    expect(checkProjectName('x\u00a0y')).toBeNull(); // U+00A0 is past the C1 range
    expect(checkProjectName('x\u2027y\u202fz\u2065')).toBeNull();
  });
});

describe('ROMA names, orgs, users', () => {
  it.each(['orders', 'orders_db-2.1', '订单', 'a'])('accepts %s', (n) => expect(checkRomaName(n)).toBeNull());
  it.each(['-x', '_x', 'a b', 'a/b', 'a'.repeat(65), 'a\u0000'])('refuses %j', (n) => expect(checkRomaName(n)).not.toBeNull());
  it('applies the ROMA rule to orgs', () => {
    expect(checkOrgName('acme')).toBeNull();
    expect(checkOrgName('../etc')).toMatch(/^org name/);
  });
  it('checks user names', () => {
    expect(checkUserName('mia@example.com')).toBeNull();
    expect(checkUserName('bad name')).not.toBeNull();
  });
});

describe('asset names by side and type', () => {
  it('uses the side rule and the .expr suffix for expression libraries', () => {
    expect(checkAssetName('roma', 'application', 'orders')).toBeNull();
    expect(checkAssetName('roma', 'application', 'Load books (v2)')).toMatch(/application name/);
    expect(checkAssetName('snaplogic', 'Pipeline', 'Load books (v2)')).toBeNull();
    expect(checkAssetName('snaplogic', 'Expression', 'lib.expr')).toBeNull();
    expect(checkAssetName('snaplogic', 'Expression', 'lib')).toMatch(/\.expr/);
  });
});

describe('ROMA upload file names', () => {
  it.each([['assets.zip', true], ['a+b-c_d.zip', true], ['9.zip', true], ['_x.zip', false], ['a b.zip', false], ['a.ZIP', false], ['a.tar', false], ['../a.zip', false], ['a.zip.exe', false]])('%s → %s', (n, ok) => {
    expect(isValidRomaUploadName(n)).toBe(ok);
  });
});
