/**
 * Identifiers from agents' logs, made to fit the ledger's rules. An id that
 * is too long or has other characters is hashed down, never cut, so two
 * different ids can never collapse into one.
 */
import { LIMITS } from '../schema.ts';
import { sha256Hex } from '../sha256.ts';

const SESSION_ID = /^[A-Za-z0-9_-]+$/;
const TRANSACTION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function digest(text: string, length: number): string {
  return sha256Hex(text).slice(0, length);
}

/** A session or execution id as the ledger allows it: kept when it fits, else `h-` and 40 hex digits of its hash. */
export function ledgerSessionId(id: string): string {
  return id.length <= LIMITS.maxIdLength && SESSION_ID.test(id) ? id : `h-${digest(id, 40)}`;
}

/** A transaction id stable for the same parts; hashed when the plain form would break the ledger's rule. */
export function stableTransactionId(source: string, parts: readonly string[]): string {
  const plain = `${source}:${parts.join(':')}`;
  return TRANSACTION_ID.test(plain) ? plain : `${source}:h-${digest(parts.join('\u0000'), 48)}`;
}

/** A workspace folder name from a path an agent logged; the fallback when it names none. */
export function workspaceFolderOf(cwd: string | undefined, fallback: string): string {
  const name = cwd?.split(/[/\\]/).filter((part) => part !== '').at(-1);
  return name && name.length <= 255 ? name : fallback;
}
