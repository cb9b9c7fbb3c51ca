import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, USER_HASH_LENGTH, completeRecord, gitUserEmail, resolveUser, userForLedger, type LoadedConfig } from '../../../../src/lib/tracker/index.ts';

/** A workspace with a git repository, a home folder and an XDG config folder, each with the git config given (or none). */
function setup(files: { repo?: string; home?: string; xdg?: string } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'tl-user-'));
  const root = join(base, 'work');
  const home = join(base, 'home');
  const xdg = join(base, 'xdg');
  mkdirSync(join(root, '.git'), { recursive: true });
  mkdirSync(join(xdg, 'git'), { recursive: true });
  mkdirSync(home, { recursive: true });
  if (files.repo !== undefined) writeFileSync(join(root, '.git', 'config'), files.repo);
  if (files.home !== undefined) writeFileSync(join(home, '.gitconfig'), files.home);
  if (files.xdg !== undefined) writeFileSync(join(xdg, 'git', 'config'), files.xdg);
  const env = { HOME: home, XDG_CONFIG_HOME: xdg };
  const loaded = (config: Partial<LoadedConfig['config']> = {}): LoadedConfig => ({ config: { ...DEFAULT_CONFIG, ...config }, root, ledgerPath: join(root, 'l.csv'), sources: [] });
  return { base, root, home, xdg, env, loaded };
}

const userSection = (email: string) => `[core]\n\tbare = false\n[user]\n\tname = Someone\n\temail = ${email}\n`;

describe('who the user is', () => {
  it('takes config user first, then TOKEN_LEDGER_USER, then git, then the OS user', () => {
    const all = setup({ repo: userSection('repo@example.com'), home: userSection('home@example.com'), xdg: userSection('xdg@example.com') });
    expect(resolveUser(all.loaded({ user: 'config@example.com' }), { ...all.env, TOKEN_LEDGER_USER: 'env@example.com' })).toBe('config@example.com');
    expect(resolveUser(all.loaded(), { ...all.env, TOKEN_LEDGER_USER: 'env@example.com' })).toBe('env@example.com');
    expect(resolveUser(all.loaded({ user: '' }), all.env)).toBe('repo@example.com');
    const none = setup();
    expect(resolveUser(none.loaded(), none.env)).toBe(userInfo().username);
  });

  it("follows git's precedence: the repository, then ~/.gitconfig, then $XDG_CONFIG_HOME/git/config", () => {
    const homeAndXdg = setup({ repo: '[core]\n\tbare = false\n', home: userSection('home@example.com'), xdg: userSection('xdg@example.com') });
    expect(gitUserEmail(homeAndXdg.root, homeAndXdg.home, homeAndXdg.xdg)).toBe('home@example.com');
    const xdgOnly = setup({ xdg: userSection('xdg@example.com') });
    expect(gitUserEmail(xdgOnly.root, xdgOnly.home, xdgOnly.xdg)).toBe('xdg@example.com');
    // Without XDG_CONFIG_HOME, git looks in ~/.config/git/config.
    const defaultXdg = setup();
    mkdirSync(join(defaultXdg.home, '.config', 'git'), { recursive: true });
    writeFileSync(join(defaultXdg.home, '.config', 'git', 'config'), userSection('dot-config@example.com'));
    expect(gitUserEmail(defaultXdg.root, defaultXdg.home, undefined)).toBe('dot-config@example.com');
    const empty = setup();
    expect(gitUserEmail(empty.root, empty.home, undefined)).toBeUndefined();
  });

  it('reads git config syntax: case, quotes, comments, later values, subsections and includes', () => {
    const { root, home, xdg } = setup({
      home: [
        '# a comment',
        '[User]',
        '  EMAIL = "first@example.com" ; trailing comment',
        '[user "work"]',
        '  email = not-this@example.com',
        '[include]',
        '  path = ~/included.gitconfig',
      ].join('\n'),
    });
    writeFileSync(join(home, 'included.gitconfig'), '[user]\n\temail = included@example.com # why\n');
    expect(gitUserEmail(root, home, xdg)).toBe('included@example.com');
    writeFileSync(join(home, '.gitconfig'), '[user]\n\temail = a@example.com\n\temail = b@example.com\n');
    expect(gitUserEmail(root, home, xdg)).toBe('b@example.com');
  });

  it("reads a git worktree's repository config through its .git file", () => {
    const { base, home, xdg } = setup();
    const main = join(base, 'main-repo', '.git');
    mkdirSync(join(main, 'worktrees', 'wt'), { recursive: true });
    writeFileSync(join(main, 'config'), userSection('main@example.com'));
    writeFileSync(join(main, 'worktrees', 'wt', 'commondir'), '../..\n');
    const worktree = join(base, 'wt');
    mkdirSync(worktree);
    writeFileSync(join(worktree, '.git'), `gitdir: ${join(main, 'worktrees', 'wt')}\n`);
    expect(gitUserEmail(worktree, home, xdg)).toBe('main@example.com');
  });

  it('keeps a name from the environment valid: control characters removed, at most 254 characters', () => {
    const { loaded, env } = setup();
    expect(resolveUser(loaded(), { ...env, TOKEN_LEDGER_USER: 'ana\n@example.com\u0007' })).toBe('ana@example.com');
    expect(resolveUser(loaded(), { ...env, TOKEN_LEDGER_USER: 'x'.repeat(400) })).toHaveLength(254);
  });
});

describe('user_mode', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('stores the name plain, as a short SHA-256, or not at all', () => {
    expect(userForLedger('ana@example.com', 'plain')).toBe('ana@example.com');
    expect(userForLedger('ana@example.com', 'hash')).toBe(sha('ana@example.com').slice(0, USER_HASH_LENGTH));
    expect(userForLedger('ana@example.com', 'hash')).toMatch(/^[0-9a-f]{16}$/);
    expect(userForLedger('ana@example.com', 'none')).toBe('');
    expect(userForLedger('', 'hash')).toBe('');
  });

  it('applies to a user the caller names and to one looked up', () => {
    const { loaded, env } = setup({ repo: userSection('repo@example.com') });
    const now = new Date('2026-06-15T12:00:00.000Z');
    expect(completeRecord({ user: 'given@example.com' }, loaded({ user_mode: 'hash' }), now, env).user).toBe(sha('given@example.com').slice(0, 16));
    expect(completeRecord({}, loaded({ user_mode: 'hash' }), now, env).user).toBe(sha('repo@example.com').slice(0, 16));
    expect(completeRecord({}, loaded(), now, env).user).toBe('repo@example.com');
    expect(completeRecord({ user: 'given@example.com' }, loaded({ user_mode: 'none' }), now, env).user).toBe('');
  });
});
