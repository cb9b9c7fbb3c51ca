/**
 * `hook claude`: a Claude Code hook (Stop, SubagentStop, SessionEnd) hands
 * over its session's transcript path; the responses written to it since the
 * last run are imported. Each transcript is read from its cursor on and
 * duplicates are checked in the id index (import-state.ts), so a Stop costs
 * what is new in its session, whatever the ledger's size. The transcript can
 * lag the hook, so a response still being written is left for the next run,
 * which adds it once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrackerError, formatFieldIssue } from '../errors.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../ledger/atomic.ts';
import { sessionTranscripts } from '../importers/claude/paths.ts';
import { claudeRecords, type ClaudeCarry } from '../importers/claude/parser.ts';
import { claudeHookInputSchema, type ClaudeHookInput } from '../importers/claude/schema.ts';
import { hasIdIndex, importStateDir, ledgerBytes } from '../importers/import-state.ts';
import { CursorBook } from '../importers/log-cursor.ts';
import { indexImportedIds, newImportSummary, writeImported, type ImportSummary, type ImportTarget } from '../importers/writer.ts';
import { issuesFromZod } from '../validate.ts';

/**
 * A ledger without an id index is indexed inline by the hook up to this size
 * (~0.1 s); a larger one (written before the index existed) is indexed by a
 * process the hook starts in the background, so no Stop waits on the history.
 */
const INLINE_INDEX_BYTES = 4 * 1024 * 1024;

export function parseClaudeHookInput(text: string): ClaudeHookInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `stdin: not the JSON a Claude Code hook sends (${(error as Error).message})`, {
      hint: 'Run `token-ledger hook claude` from a Claude Code hook (settings.json "hooks"), which pipes {"session_id", "transcript_path", ...} to stdin.',
    });
  }
  const result = claudeHookInputSchema.safeParse(raw);
  if (!result.success) {
    const issues = issuesFromZod(result.error, raw).map(formatFieldIssue).join('; ');
    throw new TrackerError('INVALID_INPUT', `stdin: the Claude Code hook input lacks what the tracker needs: ${issues}`, {
      hint: 'Expected {"session_id", "transcript_path", "hook_event_name", "cwd"} as Claude Code sends it.',
    });
  }
  return result.data;
}

export type ClaudeHookOutcome = { status: 'imported'; summary: ImportSummary } | { status: 'deferred'; pending: string };

export interface ClaudeHookTarget extends ImportTarget {
  /** Starts `hook claude --catch-up` for this ledger in the background (given by the CLI, which knows its own entry). */
  startCatchUp?: () => void;
}

async function importSession(input: ClaudeHookInput, target: ImportTarget): Promise<ImportSummary> {
  if (!existsSync(input.transcript_path)) {
    throw new TrackerError('INVALID_INPUT', `The transcript ${input.transcript_path} does not exist (yet)`, {
      hint: 'Nothing was recorded; the next hook run of this session imports what the transcript then holds.',
    });
  }
  const files = await sessionTranscripts(input.transcript_path, input.session_id);
  if (input.agent_transcript_path !== undefined && existsSync(input.agent_transcript_path) && !files.includes(input.agent_transcript_path)) {
    files.push(input.agent_transcript_path);
  }
  // After SessionEnd nothing more is written, so even a response without a stop_reason is complete.
  const settleAll = input.hook_event_name === 'SessionEnd';
  const summary = newImportSummary('claude', target.ledgerPath);
  const cursors = new CursorBook<ClaudeCarry>(target.ledgerPath, 'claude');
  await writeImported(claudeRecords(files, summary, { settleAll, now: target.now, cursors }), { ...target, afterWrite: () => cursors.save() }, summary);
  return summary;
}

function pendingDir(ledgerPath: string): string {
  return join(importStateDir(ledgerPath), 'pending-hooks');
}

/**
 * Imports the session's new responses. On a large ledger that has no id
 * index yet, the payload waits in the state folder and a background
 * catch-up builds the index and imports it, so this call stays quick.
 */
export async function runClaudeHook(input: ClaudeHookInput, target: ClaudeHookTarget): Promise<ClaudeHookOutcome> {
  if (target.startCatchUp !== undefined && !hasIdIndex(target.ledgerPath) && ledgerBytes(target.ledgerPath) > INLINE_INDEX_BYTES) {
    const dir = pendingDir(target.ledgerPath);
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const pending = join(dir, `${Date.now()}-${process.pid}.json`);
    writeFileSync(pending, JSON.stringify(input), { mode: PRIVATE_FILE_MODE });
    target.startCatchUp();
    return { status: 'deferred', pending };
  }
  return { status: 'imported', summary: await importSession(input, target) };
}

/**
 * The background half of runClaudeHook: builds the id index, then imports
 * every waiting payload, oldest first. Safe to start many times (the import
 * lock orders them; a payload is removed once imported).
 */
export async function catchUpClaudeHooks(target: ImportTarget): Promise<ImportSummary[]> {
  await indexImportedIds(target.ledgerPath, target.loaded.config.lock_timeout_ms, target.onIndexProgress);
  const dir = pendingDir(target.ledgerPath);
  const summaries: ImportSummary[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return summaries;
  }
  for (const name of names) {
    const path = join(dir, name);
    let input: ClaudeHookInput;
    try {
      input = parseClaudeHookInput(readFileSync(path, 'utf8'));
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    try {
      summaries.push(await importSession(input, target));
    } finally {
      // Imported, or not importable (its transcript gone): either way the session's next Stop reads from its cursor.
      rmSync(path, { force: true });
    }
  }
  return summaries;
}

/** Starts a detached process that outlives this one (its output goes nowhere: the hook has returned). */
export function spawnDetached(command: string, args: readonly string[], cwd: string): void {
  spawn(command, args, { cwd, detached: true, stdio: 'ignore' }).unref();
}
