/**
 * The ZIP record signatures, fixed record sizes, flag bits and file-type bits the archive
 * reader checks (see PKWARE's APPNOTE.TXT).
 */
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL_END = 0x06054b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_ZIP64_END = 0x06064b50;
export const LOCAL_HEADER = 30;
export const CENTRAL_HEADER = 46;
export const END_RECORD = 22;
export const ZIP64_LOCATOR = 20;
export const ZIP64_END = 56;

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_ENCRYPTED_DIRECTORY = 0x2000;
export const METHOD_AES = 99;

export const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const HOST_UNIX = 3;
export const HOST_OSX = 19;
