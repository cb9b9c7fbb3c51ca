/**
 * `init`: the hook files and settings that make an agent call the tracker,
 * written into a project (or the user's own settings). The commands written
 * name the node binary and the bin by absolute path, so they work whatever
 * is on the PATH of the IDE that runs them, and carry a timeout. Settings
 * already there are kept: only token-ledger's own entries are added or
 * brought up to date, so a second run changes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOOKS_DIR } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { homeDirectory } from '../home.ts';

/** The Claude Code events whose hooks import the session's new responses. */
export const CLAUDE_HOOK_EVENTS = ['Stop', 'SubagentStop', 'SessionEnd'] as const;
/** Seconds an agent gives one hook call; the tracker itself gives up after 5 s (HOOK_BUDGET_MS). */
export const HOOK_TIMEOUT_SECONDS = 10;

export type InstallStatus = 'created' | 'updated' | 'unchanged';

export interface InstallChange {
  agent: 'claude' | 'kiro';
  path: string;
  status: InstallStatus;
  /** The JSON text the file gets (or has, when unchanged). */
  content: string;
}

/** How the hook commands reach the tracker: this node binary running this bin. */
export interface HookCommandBase {
  node: string;
  bin: string;
}

/** A word for `sh -c`, quoted unless it is plainly safe. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export function hookCommand(base: HookCommandBase, ...args: string[]): string {
  return [base.node, base.bin, ...args].map(shellWord).join(' ');
}

/** Whether a configured command is one of ours (any install, any path), so it is replaced rather than doubled. */
export function isTokenLedgerCommand(command: unknown, hookArgs: string): boolean {
  return typeof command === 'string' && /token-ledger/.test(command) && command.includes(hookArgs);
}

function readJsonObject(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `${path} is not valid JSON (${(error as Error).message}); nothing was changed`, {
      hint: 'Fix the file (or move it away), then run `token-ledger init` again.',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TrackerError('INVALID_INPUT', `${path} is not a JSON object; nothing was changed`, { hint: 'Claude Code settings are one JSON object, e.g. {"hooks": {}}.' });
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function change(agent: InstallChange['agent'], path: string, content: string): InstallChange {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  return { agent, path, content, status: before === undefined ? 'created' : before === content ? 'unchanged' : 'updated' };
}

/** Claude Code's settings.json of a project, or the user's with `user`. */
export function claudeSettingsPath(workspace: string, user: boolean): string {
  return user ? join(homeDirectory(), '.claude', 'settings.json') : join(workspace, '.claude', 'settings.json');
}

/**
 * The settings with token-ledger's hook on each event: an existing
 * token-ledger command is updated in place, anything else is left as it is.
 */
export function planClaudeSettings(settingsPath: string, base: HookCommandBase): InstallChange {
  const settings = readJsonObject(settingsPath) ?? {};
  const hooks = isObject(settings.hooks) ? { ...settings.hooks } : {};
  const command = hookCommand(base, 'hook', 'claude');
  for (const event of CLAUDE_HOOK_EVENTS) {
    const groups = asArray(hooks[event]).map((group) => (isObject(group) ? { ...group, hooks: asArray(group.hooks) } : group));
    let found = false;
    for (const group of groups) {
      if (!isObject(group)) continue;
      group.hooks = (group.hooks as unknown[]).map((hook) => {
        if (!isObject(hook) || !isTokenLedgerCommand(hook.command, 'hook claude')) return hook;
        found = true;
        return { ...hook, type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS };
      });
    }
    if (!found) groups.push({ hooks: [{ type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS }] });
    hooks[event] = groups;
  }
  return change('claude', settingsPath, `${JSON.stringify({ ...settings, hooks }, null, 2)}\n`);
}

/** The token-ledger commands a Claude Code settings file runs, by event; empty when the file is missing. */
export function installedClaudeCommands(settingsPath: string): { event: string; command: string }[] {
  const settings = readJsonObject(settingsPath);
  if (!settings || !isObject(settings.hooks)) return [];
  const found: { event: string; command: string }[] = [];
  for (const [event, groups] of Object.entries(settings.hooks)) {
    for (const group of asArray(groups)) {
      if (!isObject(group)) continue;
      for (const hook of asArray(group.hooks)) {
        if (isObject(hook) && isTokenLedgerCommand(hook.command, 'hook claude')) found.push({ event, command: String(hook.command) });
      }
    }
  }
  return found;
}

export type KiroFormat = 'legacy' | 'v1';

/**
 * Which Kiro hook format a folder uses: Kiro IDE 1.0 and kiro-cli read
 * `.kiro/hooks/*.json` (v1), earlier IDEs `*.kiro.hook`; a folder with
 * neither gets both (each Kiro runs only its own, so nothing is counted twice).
 */
export function kiroFormatsOf(hooksDir: string): KiroFormat[] {
  const names = existsSync(hooksDir) && statSync(hooksDir).isDirectory() ? readdirSync(hooksDir).filter((name) => !name.startsWith('token-ledger')) : [];
  const legacy = names.some((name) => name.endsWith('.kiro.hook'));
  const v1 = names.some((name) => name.endsWith('.json'));
  if (legacy === v1) return ['legacy', 'v1'];
  return legacy ? ['legacy'] : ['v1'];
}

function legacyHook(name: string, description: string, when: string, command: string): string {
  const hook = { name, version: '1', description, enabled: true, when: { type: when }, then: { type: 'runCommand', command, timeout: HOOK_TIMEOUT_SECONDS } };
  return `${JSON.stringify(hook, null, 2)}\n`;
}

/** The Kiro hook files for a hooks folder (the project's `.kiro/hooks`, or `~/.kiro/hooks` with `user`). */
export function planKiroHooks(hooksDir: string, base: HookCommandBase): InstallChange[] {
  const changes: InstallChange[] = [];
  for (const format of kiroFormatsOf(hooksDir)) {
    if (format === 'legacy') {
      changes.push(
        change(
          'kiro',
          join(hooksDir, 'token-ledger-prompt-submit.kiro.hook'),
          legacyHook('Token ledger: prompt submitted', 'Notes the prompt and the time it was sent, so the agentStop hook can record the interaction with its elapsed time.', 'promptSubmit', hookCommand(base, 'hook', 'kiro-start')),
        ),
        change(
          'kiro',
          join(hooksDir, 'token-ledger-agent-stop.kiro.hook'),
          legacyHook('Token ledger: agent stopped', 'Records one ledger row for the prompt the promptSubmit hook noted: elapsed time measured, tokens estimated with a tokenizer (usage_source estimated).', 'agentStop', hookCommand(base, 'hook', 'kiro-stop')),
        ),
      );
    } else {
      const command = hookCommand(base, 'hook', 'kiro');
      const file = {
        version: 'v1',
        hooks: [
          { name: 'token-ledger-prompt', trigger: 'UserPromptSubmit', action: { type: 'command', command }, timeout: HOOK_TIMEOUT_SECONDS, enabled: true },
          { name: 'token-ledger-stop', trigger: 'Stop', action: { type: 'command', command }, timeout: HOOK_TIMEOUT_SECONDS, enabled: true },
        ],
      };
      changes.push(change('kiro', join(hooksDir, 'token-ledger.json'), `${JSON.stringify(file, null, 2)}\n`));
    }
  }
  return changes;
}

export function kiroHooksDir(workspace: string, user: boolean): string {
  return user ? join(homeDirectory(), HOOKS_DIR) : join(workspace, HOOKS_DIR);
}

/** Writes the changes that change something (each file replaced by rename). */
export function applyInstall(changes: readonly InstallChange[]): void {
  for (const item of changes) {
    if (item.status === 'unchanged') continue;
    mkdirSync(dirname(item.path), { recursive: true });
    const temp = `${item.path}.tmp-${process.pid}`;
    writeFileSync(temp, item.content, { mode: existsSync(item.path) ? statSync(item.path).mode & 0o777 : 0o644 });
    renameSync(temp, item.path);
  }
}
