/**
 * Where OpenCode keeps its messages: `<data dir>/storage/message/<session id>/<message id>.json`,
 * the data dir being `$XDG_DATA_HOME/opencode` (default `~/.local/share/opencode`).
 * OpenCode 1.2 and later keep new messages in `<data dir>/opencode.db` (SQLite) instead, which this importer does not read.
 */
import { join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { homeDirectory } from '../../home.ts';

export function openCodeDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME?.trim();
  return join(dataHome ? resolve(dataHome) : join(homeDirectory(), '.local', 'share'), 'opencode');
}

export async function openCodeMessageFiles(dir: string): Promise<string[]> {
  const files = await glob('storage/message/*/*.json', { cwd: dir, absolute: true });
  return files.sort();
}
