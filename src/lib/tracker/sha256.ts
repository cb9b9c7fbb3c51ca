/**
 * SHA-256 for the few places that hash (stable ids, prompt hashes, spool
 * folder names). node:crypto is fetched when a hash is first needed, not
 * imported: loading it costs every hook call ~3 ms, and most never hash.
 */

/** The hex SHA-256 of a text's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
}
