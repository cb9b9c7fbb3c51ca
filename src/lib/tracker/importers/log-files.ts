/**
 * The log files under an agent's folder, found by walking it. An import
 * lists every log before it reads any, and a re-import with nothing new does
 * little else: one synchronous readdir per folder (with the entries' types,
 * so no stat) costs about half of a glob engine's asynchronous walk, most of
 * which is waiting for the thread pool and matching each path against a
 * pattern.
 */
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { resolve, sep } from 'node:path';

export interface LogFilesOptions {
  /** Whether a file's name is one of the logs. */
  isLog: (name: string) => boolean;
  /** Include folders and files whose name starts with a dot (a glob's `dot`). */
  dot: boolean;
}

function entriesOf(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    // A folder that is gone or unreadable holds no logs, as for a glob.
    return [];
  }
}

/** A folder's entry: joined by hand, as the folder is normalised already and a name is one segment (path.join normalises again). */
function inFolder(folder: string, name: string): string {
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}

/** What a symbolic link points at: a folder (with its real path) or a file; undefined when dangling. */
function targetOf(path: string): { folder: string } | { file: true } | undefined {
  try {
    return statSync(path).isDirectory() ? { folder: realpathSync.native(path) } : { file: true };
  } catch {
    return undefined;
  }
}

/**
 * Every log under `root`, at any depth, as absolute paths under `root` (a
 * link is listed where it is, not where it points), sorted. A link to a
 * folder is followed unless the walk has been in that folder already, so a
 * cycle of links ends.
 */
export function logFilesUnder(root: string, options: LogFilesOptions): string[] {
  const files: string[] = [];
  /** The real paths of the folders walked: each folder's rides along, so only links cost a realpath call. */
  const walked = new Set<string>();
  const walk = (folder: string, realFolder: string) => {
    walked.add(realFolder);
    for (const entry of entriesOf(folder)) {
      if (!options.dot && entry.name.startsWith('.')) continue;
      const path = inFolder(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path, inFolder(realFolder, entry.name));
      } else if (entry.isFile()) {
        if (options.isLog(entry.name)) files.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = targetOf(path);
        if (target && 'file' in target) {
          if (options.isLog(entry.name)) files.push(path);
        } else if (target && !walked.has(target.folder)) {
          walk(path, target.folder);
        }
      }
    }
  };
  const start = resolve(root);
  let realStart: string;
  try {
    realStart = realpathSync.native(start);
  } catch {
    return [];
  }
  walk(start, realStart);
  return files.sort();
}
