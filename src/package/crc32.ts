/**
 * CRC-32 as ZIP uses it (IEEE 802.3, polynomial 0xEDB88320, reflected): Node's native
 * `zlib.crc32`, an unsigned 32-bit result, incremental:
 * `crc32(b, crc32(a)) === crc32(concat(a, b))`.
 */
export { crc32 } from 'node:zlib';
