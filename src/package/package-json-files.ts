/**
 * The package's own JSON files: `manifest.json` (present at the root, JSON, format and
 * format_version, the schema of its head; its asset list is checked item by item in
 * package-listed-assets.ts) and `accounts_template.json` (schema, and every encrypted
 * value under a key the manifest lists).
 */
import { displayName } from './archive-errors.js';
import type { ArchiveEntry, ArchiveReader } from './archive-reader.js';
import { isPlainObject, JsonProblem, parsePackageJson } from './json.js';
import {
  ACCOUNTS_TEMPLATE_PATH,
  describeSchemaErrors,
  encryptedFields,
  isPackageKind,
  MANIFEST_PATH,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  validateAccountsTemplate,
  validateManifestHead,
  type AccountsTemplate,
  type Manifest,
  type PackageKind,
} from './manifest.js';
import type { ProblemList } from './package-read-state.js';

export interface ManifestHead {
  readonly manifest: Manifest;
  /** The `assets` list, unchecked (an array). */
  readonly list: readonly unknown[];
  readonly keyIds: string[];
  /** The package's kind, when the manifest names a known one. */
  readonly kind: PackageKind | undefined;
}

/** Reads and checks manifest.json; a missing or unreadable manifest, or one without an asset list, stops the reading. */
export async function readManifest(reader: ArchiveReader, problems: ProblemList): Promise<ManifestHead> {
  const head = await readManifestObject(reader, problems);
  if (head.format !== PACKAGE_FORMAT) {
    problems.fatal('package.unknown_format', `manifest.json has format ${JSON.stringify(head.format) ?? 'missing'}; expected "${PACKAGE_FORMAT}".`, MANIFEST_PATH);
  }
  if (head.format_version !== PACKAGE_FORMAT_VERSION) {
    const v = head.format_version;
    problems.fatal(
      'package.unsupported_version',
      typeof v === 'number' && Number.isInteger(v) && v > PACKAGE_FORMAT_VERSION
        ? `manifest.json has format_version ${v}, written by a newer assetport; this one reads version ${PACKAGE_FORMAT_VERSION}.`
        : `manifest.json has format_version ${JSON.stringify(v) ?? 'missing'}; this assetport reads version ${PACKAGE_FORMAT_VERSION}.`,
      MANIFEST_PATH,
    );
  }
  const headOk = validateManifestHead(head);
  if (!headOk) {
    for (const msg of describeSchemaErrors(validateManifestHead.errors)) problems.add('package.manifest_invalid', `manifest.json: ${msg}.`, MANIFEST_PATH);
    if (!Array.isArray(head.assets)) throw problems.error();
  }
  const keyIds = Array.isArray(head.key_ids) ? (head.key_ids as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  const kind = isPackageKind(head.kind) ? head.kind : undefined;
  return { manifest: head as Manifest, list: head.assets as unknown[], keyIds, kind };
}

/** manifest.json at the root, parsed, as an object. */
async function readManifestObject(reader: ArchiveReader, problems: ProblemList): Promise<Record<string, unknown>> {
  const manifestEntry = reader.get(MANIFEST_PATH);
  if (!manifestEntry || manifestEntry.isDirectory) {
    const nested = reader.entries.find((e) => e.name.endsWith(`/${MANIFEST_PATH}`));
    problems.fatal(
      'package.manifest_missing',
      nested
        ? `The package has no manifest.json at its root (one is at "${displayName(nested.name)}": zip the folder's contents, not the folder).`
        : 'The package has no manifest.json at its root.',
    );
  }
  const entry = manifestEntry as ArchiveEntry;
  let raw: unknown;
  try {
    raw = parsePackageJson(await reader.readBuffer(entry));
  } catch (e) {
    if (!(e instanceof JsonProblem)) throw e;
    problems.fatal('package.manifest_invalid', `manifest.json cannot be read: ${e.message}.`, MANIFEST_PATH);
  }
  if (!isPlainObject(raw)) problems.fatal('package.manifest_invalid', 'manifest.json must be a JSON object.', MANIFEST_PATH);
  return raw as Record<string, unknown>;
}

/** Reads and checks accounts_template.json, if the package has one (marking it consumed). */
export async function readAccountsTemplate(
  reader: ArchiveReader,
  keyIds: readonly string[],
  consumed: Set<string>,
  problems: ProblemList,
): Promise<AccountsTemplate | undefined> {
  const te = reader.get(ACCOUNTS_TEMPLATE_PATH);
  if (!te || te.isDirectory) return undefined;
  consumed.add(te.name);
  try {
    const t = parsePackageJson(await reader.readBuffer(te));
    if (!validateAccountsTemplate(t)) {
      for (const msg of describeSchemaErrors(validateAccountsTemplate.errors)) {
        problems.add('package.accounts_template_invalid', `accounts_template.json: ${msg}.`, ACCOUNTS_TEMPLATE_PATH);
      }
      return undefined;
    }
    const accountsTemplate = t as AccountsTemplate;
    checkTemplateKeys(accountsTemplate, keyIds, problems);
    return accountsTemplate;
  } catch (err) {
    if (!(err instanceof JsonProblem)) throw err;
    problems.add('package.accounts_template_invalid', `accounts_template.json cannot be read: ${err.message}.`, ACCOUNTS_TEMPLATE_PATH);
    return undefined;
  }
}

/** Every encrypted value has a string value and key id, and the key is one the manifest lists. */
function checkTemplateKeys(template: AccountsTemplate, keyIds: readonly string[], problems: ProblemList): void {
  const known = new Set(keyIds);
  template.accounts.forEach((acc, i) => {
    for (const { path, field } of encryptedFields(acc.property_map)) {
      const where = `accounts_template.json: accounts[${i}] ("${displayName(acc.name)}") ${path}`;
      if (typeof field.value !== 'string' || typeof field.key_id !== 'string') {
        problems.add('package.accounts_template_invalid', `${where} is encrypted but lacks a string "value" and "key_id".`, ACCOUNTS_TEMPLATE_PATH);
      } else if (!known.has(field.key_id)) {
        problems.add('package.accounts_template_invalid', `${where} is encrypted with key "${displayName(field.key_id)}", which is not in the manifest's key_ids.`, ACCOUNTS_TEMPLATE_PATH);
      }
    }
  });
}
