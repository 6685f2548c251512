/**
 * Name rules, per the reference pages (`../shared/reference/`). Each validator returns
 * `null` when the name is valid, or a sentence saying what is wrong.
 */

export type NameProblem = string | null;

const CONTROL = /[\u0000-\u001f\u007f]/u;

function basic(name: unknown, what: string, max: number): NameProblem {
  if (typeof name !== 'string') return `${what} must be a string`;
  if (name.length === 0) return `${what} must not be empty`;
  if ([...name].length > max) return `${what} must be at most ${max} characters`;
  if (CONTROL.test(name)) return `${what} must not contain control characters`;
  if (name !== name.trim()) return `${what} must not start or end with white space`;
  return null;
}

/**
 * SnapLogic asset names: UTF-8 letters and digits plus
 * ``!"$%&'()*+,-.:;<=>@[]^_`{|}~`` and space. At most 256 characters.
 */
const SNAPLOGIC_ASSET = /^[\p{L}\p{N}\p{M}!"$%&'()*+,\-.:;<=>@[\]^_`{|}~ ]+$/u;
export function checkSnapLogicAssetName(name: unknown): NameProblem {
  const p = basic(name, 'asset name', 256);
  if (p) return p;
  const s = name as string;
  if (!SNAPLOGIC_ASSET.test(s)) return 'asset name may contain only letters, digits, space and !"$%&\'()*+,-.:;<=>@[]^_`{|}~';
  if (s === '.' || s === '..') return 'asset name must not be "." or ".."';
  return null;
}

/**
 * SnapLogic API (and version, project space, project) names: start with a letter or digit,
 * must not contain `shared`, exclude `| < > [ ] { } # ? / \`, at most 256 characters.
 */
const API_FORBIDDEN = /[|<>[\]{}#?/\\]/u;
export function checkApiName(name: unknown, what = 'API name'): NameProblem {
  const p = basic(name, what, 256);
  if (p) return p;
  const s = name as string;
  if (!/^[\p{L}\p{N}]/u.test(s)) return `${what} must start with a letter or digit`;
  if (s.toLowerCase().includes('shared')) return `${what} must not contain "shared"`;
  if (API_FORBIDDEN.test(s)) return `${what} must not contain any of | < > [ ] { } # ? / \\`;
  return null;
}

export const checkVersionName = (name: unknown): NameProblem => checkApiName(name, 'version name');
export const checkProjectSpaceName = (name: unknown): NameProblem => checkApiName(name, 'project space name');
export const checkProjectName = (name: unknown): NameProblem => checkApiName(name, 'project name');

/**
 * ROMA names (applications, data sources, tasks, instances…): 1–64 characters (the job
 * `reasons` strings are capped at 64), starting with a letter or digit; letters, digits,
 * `_`, `-` and `.` after that.
 */
const ROMA_NAME = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}_.-]*$/u;
export function checkRomaName(name: unknown, what = 'name'): NameProblem {
  const p = basic(name, what, 64);
  if (p) return p;
  if (!ROMA_NAME.test(name as string)) return `${what} must start with a letter or digit and contain only letters, digits, _ - .`;
  return null;
}

/** Org names: the ROMA rule (an org is addressed by name on the SnapLogic side). */
export const checkOrgName = (name: unknown): NameProblem => checkRomaName(name, 'org name');
export const checkInstanceName = (name: unknown): NameProblem => checkRomaName(name, 'instance name');

/** User names: 1–64 characters, letters, digits, `_ . @ -`. */
const USER_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_.@-]*$/u;
export function checkUserName(name: unknown): NameProblem {
  const p = basic(name, 'user name', 64);
  if (p) return p;
  if (!USER_NAME.test(name as string)) return 'user name must start with a letter or digit and contain only letters, digits, _ . @ -';
  return null;
}

/** ROMA upload file names: a `.zip` whose name starts with a letter or digit and uses only letters, digits, `+ - _`. */
export const isValidRomaUploadName = (fileName: string): boolean => /^[A-Za-z0-9][A-Za-z0-9+_-]*\.zip$/.test(fileName);

/** Asset names by side: ROMA types follow the ROMA rule, SnapLogic types the SnapLogic rule; expressions end in `.expr`. */
export function checkAssetName(side: 'roma' | 'snaplogic', type: string, name: unknown): NameProblem {
  if (side === 'roma') return checkRomaName(name, `${type} name`);
  const p = checkSnapLogicAssetName(name);
  if (p) return p;
  if (type === 'Expression' && !(name as string).endsWith('.expr')) return 'expression library names must end in .expr';
  return null;
}
