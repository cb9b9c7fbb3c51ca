/**
 * SHA-256 for the few places that hash (stable ids, prompt hashes, spool
 * folder names, import cursor slots). node:crypto is fetched when a hash is
 * first needed, not imported: loading it costs every hook call ~3 ms, and
 * most never hash.
 */

let crypto: typeof import('node:crypto') | undefined;

/** The hex SHA-256 of a text's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  crypto ??= process.getBuiltinModule('node:crypto');
  // One call, no Hash object (crypto.hash, Node 20.12+): a re-import hashes thousands of log paths.
  return crypto.hash('sha256', text);
}
