/**
 * `doctor`: one pass over everything that can stop a record from reaching the
 * ledger or leave it at risk: config, hook files, ledger header and tail,
 * permissions, disk space, the spool backlog, the lock, leftovers of killed
 * processes and backup age; and the Claude Code hooks, with one synthetic
 * hook call run end to end into a temporary ledger. Each finding says what to do about it.
 * `checkUnpricedModels` reads every row, so it is a separate, async step.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { listBackups } from './backup.ts';
import { DEFAULT_LEDGER_PATH, HOOKS_DIR, ledgerSetting, loadConfig, type LoadedConfig } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { inspectLedger } from '../ledger/ledger.ts';
import { lockPathFor, lockState } from '../ledger/lock.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { resolveLedgers } from '../ledger/sources.ts';
import { listSpool } from '../ledger/spool.ts';
import { claudeSettingsPath, hookCommand, installedClaudeCommands, type HookCommandBase } from '../hooks/install.ts';
import { runSyntheticClaudeHook } from '../hooks/synthetic.ts';
import { pricingFor } from '../pricing/pricing.ts';
import { ledgerUnpricedModels } from '../report/unpriced.ts';

export type CheckStatus = 'ok' | 'info' | 'problem';

export interface DoctorCheck {
  check: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

const LOW_DISK_BYTES = 100 * 1024 * 1024;

export interface DoctorOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Ledgers that win over config (the CLI's --csv): a path, several separated by commas, or a glob; relative to `cwd`. */
  csvPath?: string;
  now?: Date;
  /** How this tracker is started (node and bin), to try a hook call when none is set up yet. */
  hookCommandBase?: HookCommandBase;
  /** Run one synthetic Claude Code hook call end to end (a second or so). */
  tryHook?: boolean;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n').slice(0, 4).join(' ')) : String(error);
}

/**
 * Checks the set-up and every ledger named (--csv, TOKEN_LEDGER_CSV or
 * csv_file_path: a path, a list or a glob, as `report` reads them).
 * `ledgerPaths` are the ledgers checked; `ledgerPath` is the first.
 */
export function runDoctor(options: DoctorOptions = {}): { ledgerPath: string; ledgerPaths: string[]; checks: DoctorCheck[]; loaded?: LoadedConfig } {
  const checks: DoctorCheck[] = [];
  let loaded: LoadedConfig | undefined;
  try {
    loaded = loadConfig({ cwd: options.cwd, env: options.env });
    checks.push({ check: 'config', status: 'ok', detail: `valid (${loaded.sources.join(', ') || 'defaults only'})` });
  } catch (error) {
    checks.push({ check: 'config', status: 'problem', detail: errorText(error), hint: error instanceof TrackerError ? error.hint : undefined });
  }
  const cwd = options.cwd ?? process.cwd();
  // A config that does not load leaves the default ledger to check.
  const { spec, base, where } = ledgerSetting(options.csvPath, loaded ?? { config: { csv_file_path: DEFAULT_LEDGER_PATH }, root: cwd }, cwd, options.env);
  let ledgerPaths: string[];
  try {
    ledgerPaths = resolveLedgers(spec, base, where);
  } catch (error) {
    checks.push({ check: 'ledger', status: 'problem', detail: errorText(error), hint: error instanceof TrackerError ? error.hint : undefined });
    ledgerPaths = [];
  }
  if (loaded) checks.push(...checkHookFiles(loaded.root));
  if (loaded) checks.push(...checkClaudeHooks(loaded.root, options));
  for (const ledgerPath of ledgerPaths) {
    const own = [
      ...checkLedger(ledgerPath),
      checkDisk(ledgerPath),
      ...checkSpool(ledgerPath, options.env),
      checkLock(ledgerPath, options.now),
      ...(loaded?.config.backup_enabled ? [checkBackups(ledgerPath, loaded.config.backup_interval_hours, options.now ?? new Date())] : []),
    ];
    // Several ledgers: say which one a check is of.
    checks.push(...(ledgerPaths.length > 1 ? own.map((check) => ({ ...check, check: `${check.check} (${basename(ledgerPath)})` })) : own));
  }
  return { ledgerPath: ledgerPaths[0] ?? resolve(base, spec), ledgerPaths, checks, loaded };
}

/**
 * Warns (as `info`: their cost is unknown, not wrong) about models the ledger's
 * rows name that no price table knows. Undefined when there is no ledger to read.
 */
export async function checkUnpricedModels(ledgerPaths: string | readonly string[], loaded: Pick<LoadedConfig, 'config' | 'root'>, threads = 1): Promise<DoctorCheck | undefined> {
  const present = (typeof ledgerPaths === 'string' ? [ledgerPaths] : ledgerPaths).filter((path) => ledgerFiles(path).length > 0);
  if (present.length === 0) return undefined;
  try {
    const models = await ledgerUnpricedModels(present, pricingFor(loaded), threads);
    if (models.length === 0) return { check: 'pricing', status: 'ok', detail: `every model in the ${present.length > 1 ? `${present.length} ledgers` : 'ledger'} has a price` };
    return {
      check: 'pricing',
      status: 'info',
      detail: `not in the pricing table, so their rows have no cost: ${models.join(', ')}. Add them to a pricing.file override, then run \`token-ledger reprice\``,
    };
  } catch (error) {
    return { check: 'pricing', status: 'problem', detail: errorText(error), hint: error instanceof TrackerError ? error.hint : undefined };
  }
}

function checkHookFiles(root: string): DoctorCheck[] {
  const folder = join(root, HOOKS_DIR);
  if (!existsSync(folder)) return [{ check: 'hook files', status: 'info', detail: `no ${HOOKS_DIR} folder (Kiro hooks not set up here)` }];
  const checks: DoctorCheck[] = [];
  const names = readdirSync(folder).filter((name) => name.endsWith('.kiro.hook') || name.endsWith('.json'));
  for (const name of names) {
    const path = join(folder, name);
    try {
      const hook: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const isObject = hook !== null && typeof hook === 'object';
      // Legacy files are one hook (when/then); Kiro's v1 files list hooks under a version.
      const complete = name.endsWith('.json')
        ? isObject && 'version' in hook && hook.version === 'v1' && 'hooks' in hook && Array.isArray(hook.hooks)
        : isObject && 'when' in hook && 'then' in hook;
      const shape = name.endsWith('.json') ? 'a v1 hooks file needs {"version": "v1", "hooks": [...]}' : 'a Kiro hook needs when: {type, patterns} and then: {type, command}';
      checks.push(
        complete
          ? { check: 'hook file', status: 'ok', detail: path }
          : { check: 'hook file', status: 'problem', detail: `${path} is not a complete Kiro hook file`, hint: `${shape[0]?.toUpperCase()}${shape.slice(1)}.` },
      );
    } catch (error) {
      checks.push({ check: 'hook file', status: 'problem', detail: `${path}: ${errorText(error)}`, hint: 'The file must be one JSON object.' });
    }
  }
  if (names.length === 0) checks.push({ check: 'hook files', status: 'info', detail: `no *.kiro.hook or *.json hook files in ${folder}` });
  return checks;
}

/** The first word of a command when it is an absolute path (the node binary or the bin init wrote). */
function missingPaths(command: string): string[] {
  const words = command.match(/'[^']*'|\S+/g) ?? [];
  return words
    .slice(0, 2)
    .map((word) => word.replace(/^'|'$/g, ''))
    .filter((word) => word.startsWith('/') && !existsSync(word));
}

function checkClaudeHooks(root: string, options: DoctorOptions): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const commands: string[] = [];
  for (const path of [claudeSettingsPath(root, false), claudeSettingsPath(root, true)]) {
    let installed: { event: string; command: string }[];
    try {
      installed = installedClaudeCommands(path);
    } catch (error) {
      checks.push({ check: 'claude settings', status: 'problem', detail: errorText(error), hint: error instanceof TrackerError ? error.hint : undefined });
      continue;
    }
    for (const { event, command } of installed) {
      commands.push(command);
      const missing = missingPaths(command);
      if (missing.length > 0) {
        checks.push({ check: 'claude hook', status: 'problem', detail: `${path} ${event}: ${missing.join(' and ')} does not exist`, hint: 'Run `token-ledger init --claude` again (the node or the tracker moved).' });
      } else if (!command.startsWith('/') && !command.startsWith("'/")) {
        checks.push({ check: 'claude hook', status: 'problem', detail: `${path} ${event}: \`${command}\` relies on PATH, which an IDE's hooks may not have`, hint: 'Run `token-ledger init --claude` to write the command with absolute paths.' });
      } else {
        checks.push({ check: 'claude hook', status: 'ok', detail: `${path} ${event}` });
      }
    }
  }
  if (commands.length === 0) checks.push({ check: 'claude hooks', status: 'info', detail: 'no token-ledger hook in .claude/settings.json or ~/.claude/settings.json (run `token-ledger init --claude`)' });
  const command = commands[0] ?? (options.hookCommandBase ? hookCommand(options.hookCommandBase, 'hook', 'claude') : undefined);
  if (options.tryHook && command !== undefined) {
    const result = runSyntheticClaudeHook(command, options.env);
    checks.push(
      result.ok
        ? { check: 'hook call', status: 'ok', detail: result.detail }
        : { check: 'hook call', status: 'problem', detail: result.detail, hint: 'Run the command by hand with a payload on stdin to see why; `token-ledger init` rewrites it.' },
    );
  }
  return checks;
}

function checkLedger(ledgerPath: string): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const folder = dirname(ledgerPath);
  try {
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      checks.push({ check: 'ledger folder', status: 'problem', detail: `${folder}: ${errorText(error)}`, hint: 'Records go to the spool until the folder exists and is writable; fix it, then run `token-ledger flush`.' });
      return checks;
    }
  }
  const files = ledgerFiles(ledgerPath);
  if (files.length === 0) {
    checks.push({ check: 'ledger', status: 'info', detail: `${ledgerPath} does not exist yet; the first record creates it` });
    return checks;
  }
  for (const file of files) {
    try {
      const state = inspectLedger(file);
      const mode = statSync(file).mode & 0o777;
      checks.push({ check: 'ledger', status: 'ok', detail: `${file}: schema v${state.version ?? '?'}, ${state.size} bytes, mode ${mode.toString(8)}` });
      if ((mode & 0o077) !== 0) {
        checks.push({ check: 'permissions', status: 'problem', detail: `${file} is readable by other users (mode ${mode.toString(8)})`, hint: `Prompts are private: chmod 600 ${file}` });
      }
      accessSync(file, constants.R_OK | constants.W_OK);
      if (!endsWithNewline(file, state.size)) {
        checks.push({ check: 'ledger tail', status: 'problem', detail: `${file} ends in the middle of a row (a writer was killed mid-write)`, hint: 'Run `token-ledger repair` to move the torn row to the rejects file.' });
      }
    } catch (error) {
      checks.push({ check: 'ledger', status: 'problem', detail: errorText(error), hint: error instanceof TrackerError ? error.hint : 'Check the file permissions.' });
    }
  }
  const temps = readdirSync(folder).filter((name) => name.includes('.tmp-'));
  if (temps.length > 0) {
    checks.push({ check: 'leftovers', status: 'info', detail: `${temps.length} temp file(s) in ${folder} from interrupted rewrites`, hint: 'They are removed by the next rewrite (purge, erase, repair, migrate).' });
  }
  return checks;
}

function endsWithNewline(file: string, size: number): boolean {
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function checkDisk(ledgerPath: string): DoctorCheck {
  let folder = dirname(ledgerPath);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  try {
    const stats = statfsSync(folder);
    const free = stats.bavail * stats.bsize;
    const detail = `${(free / 1024 / 1024).toFixed(0)} MB free on the disk of ${folder}`;
    return free < LOW_DISK_BYTES
      ? { check: 'disk space', status: 'problem', detail, hint: 'Records are spooled when the disk is full; free space or run `token-ledger purge`.' }
      : { check: 'disk space', status: 'ok', detail };
  } catch (error) {
    return { check: 'disk space', status: 'info', detail: `cannot tell: ${errorText(error)}` };
  }
}

function checkSpool(ledgerPath: string, env: NodeJS.ProcessEnv | undefined): DoctorCheck[] {
  const { entries, unreadable } = listSpool(ledgerPath, env);
  const checks: DoctorCheck[] = [];
  if (entries.length === 0) checks.push({ check: 'spool', status: 'ok', detail: 'no records waiting' });
  else {
    const folders = [...new Set(entries.map((entry) => dirname(entry.file)))].join(', ');
    checks.push({ check: 'spool', status: 'problem', detail: `${entries.length} record(s) waiting in ${folders} (oldest ${entries[0]?.record.timestamp})`, hint: 'Fix what stopped the ledger (see the reason in `token-ledger flush --json`), then run `token-ledger flush`.' });
  }
  if (unreadable.length > 0) {
    checks.push({ check: 'spool', status: 'problem', detail: `${unreadable.length} spool file(s) are not valid records: ${unreadable.slice(0, 3).join(', ')}`, hint: 'Look at them, then move them away; flush leaves them in place.' });
  }
  return checks;
}

function checkLock(ledgerPath: string, now = new Date()): DoctorCheck {
  const state = lockState(ledgerPath, now.getTime());
  if (state === 'free') return { check: 'lock', status: 'ok', detail: 'free' };
  if (state === 'held') return { check: 'lock', status: 'info', detail: `${lockPathFor(ledgerPath)} is held by a running token-ledger process` };
  return { check: 'lock', status: 'problem', detail: `${lockPathFor(ledgerPath)} was left by a process that died`, hint: 'The next writer takes it over; or remove the folder by hand when no token-ledger runs.' };
}

function checkBackups(ledgerPath: string, intervalHours: number, now: Date): DoctorCheck {
  const newest = listBackups(ledgerPath).at(-1);
  if (!newest) return { check: 'backups', status: 'info', detail: 'backups are on but none made yet', hint: 'Run `token-ledger backup`, or wait for the next hook call.' };
  const ageHours = (now.getTime() - statSync(newest.path).mtimeMs) / 3_600_000;
  const detail = `newest ${newest.path}, ${ageHours.toFixed(1)} h old`;
  return ageHours > intervalHours * 2
    ? { check: 'backups', status: 'problem', detail, hint: 'Backups run from hook calls; run `token-ledger backup` and check that hooks fire.' }
    : { check: 'backups', status: 'ok', detail };
}
