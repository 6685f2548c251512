/**
 * Errors of the hardened archive layer. Each kind of problem has one stable `code`
 * (listed in {@link ARCHIVE_ERROR_CODES}); the message is a sentence for people and may
 * change. `entry` is the offending entry name, sanitized for display.
 */

export const ARCHIVE_ERROR_CODES = [
  'archive.not_zip',
  'archive.truncated',
  'archive.corrupt',
  'archive.multi_disk',
  'archive.too_many_entries',
  'archive.unsafe_name',
  'archive.name_encoding',
  'archive.duplicate_name',
  'archive.symlink',
  'archive.special_file',
  'archive.overlap',
  'archive.unsupported_method',
  'archive.encrypted',
  'archive.entry_too_large',
  'archive.too_large',
  'archive.ratio',
  'archive.size_mismatch',
  'archive.crc_mismatch',
] as const;

export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[number];

/** One line per code: what it means. Used by the docs and by tests that keep them in step. */
export const ARCHIVE_ERROR_MEANINGS: Readonly<Record<ArchiveErrorCode, string>> = Object.freeze({
  'archive.not_zip': 'The data does not start with a ZIP local file header (PK\\x03\\x04), or the archive has no entries.',
  'archive.truncated': 'The archive starts like a ZIP but its end-of-central-directory record is missing: the file was cut short.',
  'archive.corrupt': 'The ZIP structure is inconsistent: bad end record or central directory, a local header that disagrees with the central directory, data past the end of the file, a folder entry with data, or deflate data that does not decode.',
  'archive.multi_disk': 'The archive is split over several disks (a spanned or split archive).',
  'archive.too_many_entries': 'The archive holds more entries than allowed.',
  'archive.unsafe_name': 'An entry name is unsafe: absolute, drive letter, UNC, backslash, `.`/`..` or empty segment, control characters, reserved device name, trailing dot or space, or too long.',
  'archive.name_encoding': 'An entry name is not valid UTF-8 with the UTF-8 flag (bit 11) set, or contains bytes >= 0x80 without that flag.',
  'archive.duplicate_name': 'Two entries have the same name, differ only in letter case, or differ only in Unicode normalization (NFC/NFD).',
  'archive.symlink': 'An entry is a symbolic link.',
  'archive.special_file': 'An entry is a device, FIFO or socket.',
  'archive.overlap': 'Entries share bytes in the file, or an entry runs into the central directory.',
  'archive.unsupported_method': 'An entry uses a compression method other than stored (0) or deflate (8).',
  'archive.encrypted': 'An entry (or the central directory) is encrypted.',
  'archive.entry_too_large': 'An entry declares more uncompressed bytes than one entry may have.',
  'archive.too_large': 'All entries together declare (or really inflate to) more bytes than allowed.',
  'archive.ratio': 'An entry, or the archive as a whole, compresses better than the allowed ratio (a likely zip bomb).',
  'archive.size_mismatch': 'An entry inflates to more or fewer bytes than its declared size, or a stored entry\'s sizes disagree.',
  'archive.crc_mismatch': 'An entry\'s data does not match its CRC-32.',
});

const UNSAFE_DISPLAY = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const MAX_DISPLAY = 200;

/** Makes an entry name safe to show in messages and logs: control and bidi characters escaped, length capped. */
export function displayName(name: string | Uint8Array): string {
  let s: string;
  if (typeof name === 'string') {
    s = name;
  } else {
    // Raw bytes we could not decode: ASCII printable as is, everything else as \xNN.
    s = '';
    for (const b of name) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  s = s.replace(UNSAFE_DISPLAY, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (s.length > MAX_DISPLAY) s = `${s.slice(0, MAX_DISPLAY)}…`;
  return s;
}

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** The offending entry's name, sanitized for display. */
  readonly entry: string | undefined;

  constructor(code: ArchiveErrorCode, message: string, entry?: string | Uint8Array) {
    super(message);
    this.name = 'ArchiveError';
    this.code = code;
    this.entry = entry === undefined ? undefined : displayName(entry);
  }
}

export const isArchiveError = (e: unknown): e is ArchiveError => e instanceof ArchiveError;

/** `Entry "name"` with the name sanitized: the usual start of a message. */
export const quote = (name: string | Uint8Array): string => `"${displayName(name)}"`;
