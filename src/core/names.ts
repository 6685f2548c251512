/**
 * Name rules, per the reference pages (`../shared/reference/`). Each validator returns
 * `null` when the name is valid, or a sentence saying what is wrong.
 */

export type NameProblem = string | null;

/**
 * Characters no name may contain, whatever its kind: C0 and C1 controls (U+0000–U+001F,
 * U+007F–U+009F), bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), which make a name read differently from what it is, and the line and
 * paragraph separators U+2028/U+2029. Every rule below checks this first, so the message
 * names the character found.
 */
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

function forbiddenCharacter(name: string): string | null {
  const m = FORBIDDEN_CHAR.exec(name);
  if (!m) return null;
  const c = (m[0] as string).codePointAt(0) as number;
  const u = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c <= 0x9f) return `a control character (${u})`;
  if (c === 0x2028 || c === 0x2029) return `a line or paragraph separator (${u})`;
  if (c >= 0x2066) return `a bidirectional isolate (${u})`;
  return `a bidirectional override (${u})`;
}

function basic(name: unknown, what: string, max: number): NameProblem {
  if (typeof name !== 'string') return `${what} must be a string`;
  if (name.length === 0) return `${what} must not be empty`;
  const bad = forbiddenCharacter(name);
  if (bad) return `${what} must not contain ${bad}`;
  if ([...name].length > max) return `${what} must be at most ${max} characters`;
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
 * SnapLogic space names (API versions, project spaces, projects): start with a letter or
 * digit, exclude `| < > [ ] { } # ? / \`, at most 256 characters.
 */
const API_FORBIDDEN = /[|<>[\]{}#?/\\]/u;
function checkSnapLogicSpaceName(name: unknown, what: string): NameProblem {
  const p = basic(name, what, 256);
  if (p) return p;
  const s = name as string;
  if (!/^[\p{L}\p{N}]/u.test(s)) return `${what} must start with a letter or digit`;
  if (API_FORBIDDEN.test(s)) return `${what} must not contain any of | < > [ ] { } # ? / \\`;
  return null;
}

/**
 * SnapLogic API names: the space-name rule, and they must not contain `shared` (any case).
 * That rule is the API's alone: `shared` is a valid project space and project name.
 */
export function checkApiName(name: unknown): NameProblem {
  const p = checkSnapLogicSpaceName(name, 'API name');
  if (p) return p;
  if ((name as string).toLowerCase().includes('shared')) return 'API name must not contain "shared"';
  return null;
}

export const checkVersionName = (name: unknown): NameProblem => checkSnapLogicSpaceName(name, 'version name');
export const checkProjectSpaceName = (name: unknown): NameProblem => checkSnapLogicSpaceName(name, 'project space name');
export const checkProjectName = (name: unknown): NameProblem => checkSnapLogicSpaceName(name, 'project name');

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
