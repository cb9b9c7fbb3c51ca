/**
 * Where Gemini CLI keeps its chats: `<GEMINI_CLI_HOME or ~>/.gemini/tmp/<project hash>/chats/`,
 * `session-*.json` (one document, older versions) or `session-*.jsonl` (records appended),
 * and a subagent's `chats/<parent session id>/<session id>.jsonl`.
 */
import { join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { homeDirectory } from '../../home.ts';

export function geminiDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.GEMINI_CLI_HOME?.trim();
  return join(home ? resolve(home) : homeDirectory(), '.gemini');
}

export async function geminiSessionFiles(dir: string): Promise<string[]> {
  const files = await glob(['tmp/*/chats/session-*.json', 'tmp/*/chats/session-*.jsonl', 'tmp/*/chats/*/*.jsonl'], { cwd: dir, absolute: true });
  return files.sort();
}
