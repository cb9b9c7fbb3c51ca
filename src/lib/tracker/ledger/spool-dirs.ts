/**
 * Where a ledger's spool lives. Kept apart from spool.ts so that every write
 * can check for a backlog without loading the spool's reader and schemas.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheHome } from '../home.ts';
import { sha256Hex } from '../sha256.ts';

/** The spool folder beside the ledger. */
export function besideSpoolDir(ledgerPath: string): string {
  return `${resolve(ledgerPath)}.spool`;
}

/** The spool folder for this ledger in the user cache (XDG_CACHE_HOME, else ~/.cache). */
export function cacheSpoolDir(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheSpoolRoot(env), sha256Hex(resolve(ledgerPath)).slice(0, 16));
}

function cacheSpoolRoot(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'token-ledger', 'spool');
}

/**
 * Whether a spool folder of this ledger exists. Every write asks; the cache
 * folder's name is a hash, computed only when the cache spool root holds any.
 */
export function hasSpoolDir(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(besideSpoolDir(ledgerPath))) return true;
  let spooled: string[];
  try {
    spooled = readdirSync(cacheSpoolRoot(env));
  } catch {
    return false;
  }
  return spooled.length > 0 && existsSync(cacheSpoolDir(ledgerPath, env));
}

export function spoolDirs(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [besideSpoolDir(ledgerPath), cacheSpoolDir(ledgerPath, env)];
}
