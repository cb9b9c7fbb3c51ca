/**
 * Where Codex CLI keeps its session logs: `<CODEX_HOME>/sessions/YYYY/MM/DD/rollout-*.jsonl`,
 * and `<CODEX_HOME>/archived_sessions/` for the sessions it archived (moved there).
 */
import { join, resolve } from 'node:path';
import { logFilesUnder } from '../log-files.ts';
import { homeDirectory } from '../../home.ts';

export function codexHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CODEX_HOME?.trim();
  return configured ? resolve(configured) : join(homeDirectory(), '.codex');
}

/** Every `rollout-*.jsonl` under `sessions/` and `archived_sessions/`, at any depth (dot-folders left out), sorted. */
export async function codexRollouts(home: string): Promise<string[]> {
  const options = { isLog: (name: string) => name.startsWith('rollout-') && name.endsWith('.jsonl'), dot: false };
  return [...logFilesUnder(join(home, 'sessions'), options), ...logFilesUnder(join(home, 'archived_sessions'), options)].sort();
}
