/**
 * Who ran the agent, for the ledger's `user` column: config `user`, else env
 * TOKEN_LEDGER_USER, else git's user.email, else the OS user name; then the
 * config's `user_mode` (plain, hash, none) decides what is written.
 *
 * git's user.email is read from its config files, never by running git: a
 * hook must stay fast, and spawning a process costs more than the whole
 * record. Only the `[user]` section and plain `[include] path` are read;
 * conditional includes (`includeIf`) are not followed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig, TrackerConfig } from '../config.ts';
import { homeDirectory } from '../home.ts';
import { LIMITS } from '../schema.ts';
import { sha256Hex } from '../sha256.ts';

/** Hex digits kept of the SHA-256 of a user name in `hash` mode: enough to tell a team apart, too few to look up. */
export const USER_HASH_LENGTH = 16;
const MAX_INCLUDE_DEPTH = 5;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

const found = new Map<string, string>();

/** The user as found (before `user_mode`); the git and OS look-ups are made once per process and workspace. */
export function resolveUser(loaded: Pick<LoadedConfig, 'config' | 'root'>, env: NodeJS.ProcessEnv): string {
  if (loaded.config.user !== null && loaded.config.user !== '') return loaded.config.user;
  const fromEnv = env.TOKEN_LEDGER_USER;
  if (fromEnv !== undefined && fromEnv !== '') return cleanName(fromEnv);
  const home = homeDirectory(env);
  const key = `${loaded.root}\u0000${home}\u0000${env.XDG_CONFIG_HOME ?? ''}`;
  let name = found.get(key);
  if (name === undefined) {
    name = cleanName(gitUserEmail(loaded.root, home, env.XDG_CONFIG_HOME) ?? osUserName(env));
    found.set(key, name);
  }
  return name;
}

/** What the ledger stores for a user name under a mode. */
export function userForLedger(name: string, mode: TrackerConfig['user_mode']): string {
  if (mode === 'none' || name === '') return '';
  return mode === 'hash' ? sha256Hex(name).slice(0, USER_HASH_LENGTH) : name;
}

/** A name from the environment or a file must not make the record invalid: no control characters, not too long. */
function cleanName(name: string): string {
  return name.replace(CONTROL_CHARACTERS, '').trim().slice(0, LIMITS.maxUserLength);
}

function osUserName(env: NodeJS.ProcessEnv): string {
  try {
    return process.getBuiltinModule('node:os').userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers).
    return env.USER ?? env.LOGNAME ?? '';
  }
}

/** git's precedence: the repository's config wins over ~/.gitconfig, which wins over $XDG_CONFIG_HOME/git/config. */
export function gitUserEmail(root: string, home: string, xdgConfigHome: string | undefined): string | undefined {
  const files = [repositoryConfig(root), join(home, '.gitconfig'), join(xdgConfigHome || join(home, '.config'), 'git', 'config')];
  for (const file of files) {
    if (file === undefined) continue;
    const email = userEmailIn(file, home, 0);
    if (email !== undefined && email !== '') return email;
  }
  return undefined;
}

/** `.git/config`, or for a worktree (`.git` is a file naming its git dir) the config of the repository it belongs to. */
function repositoryConfig(root: string): string | undefined {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return join(dotGit, 'config');
    const gitDir = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
    if (gitDir === undefined) return undefined;
    const worktreeGitDir = resolve(root, gitDir);
    const commonDir = join(worktreeGitDir, 'commondir');
    const repositoryGitDir = existsSync(commonDir) ? resolve(worktreeGitDir, readFileSync(commonDir, 'utf8').trim()) : worktreeGitDir;
    return join(repositoryGitDir, 'config');
  } catch {
    return undefined;
  }
}

const SECTION_LINE = /^\s*\[\s*([A-Za-z0-9.-]+)(\s+"(?:[^"\\]|\\.)*")?\s*\](.*)$/;
const KEY_LINE = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/;

/** The last `user.email` a git config file sets, its includes read where they stand (as git does: the last value wins). */
function userEmailIn(file: string, home: string, depth: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let section = '';
  let hasSubsection = false;
  let email: string | undefined;
  for (const rawLine of text.split('\n')) {
    let line = rawLine;
    const header = SECTION_LINE.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      hasSubsection = header[2] !== undefined;
      line = header[3]!;
    }
    const entry = KEY_LINE.exec(line);
    if (!entry || hasSubsection) continue;
    const key = entry[1]!.toLowerCase();
    if (section === 'user' && key === 'email') email = configValue(entry[2] ?? '');
    else if (section === 'include' && key === 'path' && depth < MAX_INCLUDE_DEPTH) {
      const path = configValue(entry[2] ?? '');
      const included = userEmailIn(path.startsWith('~/') ? join(home, path.slice(2)) : resolve(dirname(file), path), home, depth + 1);
      if (included !== undefined) email = included;
    }
  }
  return email;
}

/** A git config value: quotes removed, escapes read, a comment (`#`, `;` outside quotes) cut off. */
function configValue(raw: string): string {
  let value = '';
  let quoted = false;
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index]!;
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '#' || char === ';')) break;
    else if (char === '\\' && index + 1 < raw.length) {
      index += 1;
      const escaped = raw[index]!;
      value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
    } else value += char;
  }
  return value.trim();
}
