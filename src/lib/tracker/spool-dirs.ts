/**
 * Where a ledger's spool lives. Kept apart from spool.ts so that every write
 * can check for a backlog without loading the spool's reader and schemas.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The spool folder beside the ledger. */
export function besideSpoolDir(ledgerPath: string): string {
  return `${resolve(ledgerPath)}.spool`;
}

/** The spool folder for this ledger in the user cache (XDG_CACHE_HOME, else ~/.cache). */
export function cacheSpoolDir(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const key = createHash('sha256').update(resolve(ledgerPath)).digest('hex').slice(0, 16);
  return join(cacheHome, 'token-ledger', 'spool', key);
}

export function spoolDirs(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [besideSpoolDir(ledgerPath), cacheSpoolDir(ledgerPath, env)];
}
