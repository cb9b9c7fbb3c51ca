/**
 * Where Codex CLI keeps its session logs: `<CODEX_HOME>/sessions/YYYY/MM/DD/rollout-*.jsonl`,
 * and `<CODEX_HOME>/archived_sessions/` for the sessions it archived (moved there).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { glob } from 'tinyglobby';

export function codexHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CODEX_HOME?.trim();
  return configured ? resolve(configured) : join(homedir(), '.codex');
}

export async function codexRollouts(home: string): Promise<string[]> {
  const files = await glob(['sessions/**/rollout-*.jsonl', 'archived_sessions/**/rollout-*.jsonl'], { cwd: home, absolute: true });
  return files.sort();
}
