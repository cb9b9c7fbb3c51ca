import { join } from 'node:path';

/**
 * The user's home folder: $HOME when it is set, which os.homedir() reads
 * first too, else the passwd entry. node:os is fetched only then: loading it
 * costs every hook call about a third of a millisecond, and HOME is set
 * nearly everywhere.
 */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || process.getBuiltinModule('node:os').homedir();
}

/** The user's cache folder: XDG_CACHE_HOME when set, else ~/.cache. */
export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME || join(homeDirectory(env), '.cache');
}
