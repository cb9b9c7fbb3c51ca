/** Where Claude Code keeps its transcripts: `<config dir>/projects/<project>/<session>.jsonl` (and `<session>/subagents/`). */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homeDirectory } from '../../home.ts';
import { logFilesUnder } from '../log-files.ts';

/**
 * Claude Code's config folders: CLAUDE_CONFIG_DIR (a comma-separated list
 * is accepted), else those of ~/.config/claude and ~/.claude that exist.
 */
export function claudeConfigDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env.CLAUDE_CONFIG_DIR?.split(',').map((dir) => dir.trim()).filter((dir) => dir !== '');
  if (configured && configured.length > 0) return configured.map((dir) => resolve(dir));
  const home = homeDirectory(env);
  const found = [join(home, '.config', 'claude'), join(home, '.claude')].filter((dir) => existsSync(join(dir, 'projects')));
  return found.length > 0 ? found : [join(home, '.claude')];
}

/** Every transcript under `<config dir>/projects/`, at any depth, dot-folders included, sorted. */
export async function claudeTranscripts(configDir: string): Promise<string[]> {
  return logFilesUnder(join(configDir, 'projects'), { isLog: (name) => name.endsWith('.jsonl'), dot: true });
}

/**
 * The files a hook for one session should read: its transcript, and the
 * transcripts of the subagents it started (`<session>/subagents/*.jsonl`
 * beside it), which Claude Code writes separately.
 */
export async function sessionTranscripts(transcriptPath: string, sessionId: string): Promise<string[]> {
  // One known folder: listing it is all a hook needs (a glob engine costs each Stop more than the read).
  const folder = join(dirname(transcriptPath), sessionId, 'subagents');
  let names: string[];
  // A session id is a UUID; anything that could climb out of the folder names no subagents.
  if (!/^[A-Za-z0-9_-]+$/.test(sessionId)) return [resolve(transcriptPath)];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.jsonl'));
  } catch {
    names = [];
  }
  return [resolve(transcriptPath), ...names.sort().map((name) => join(folder, name))];
}
