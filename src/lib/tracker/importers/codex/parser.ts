/**
 * Codex CLI rollouts to ledger records: one record per model turn.
 *
 * Every `token_count` event carries the session's running total, and a turn
 * is the growth of that total. Codex re-emits the event with an unchanged
 * total (rate-limit refreshes), which is no new turn. A fork (`codex fork`,
 * `forked_from_id`) or a spawned subagent (`source.subagent.thread_spawn`)
 * starts its rollout with a copy of its parent's lines (all of them or its
 * last turns), token counts included; so a turn is keyed by the conversation it belongs to (the root
 * of its fork chain) and the running total it reached. A copied turn has
 * the key of the original and is added once, whichever file is read first.
 */
import { basename } from 'node:path';
import * as z from 'zod/mini';
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { SchemaCompiledWhenBusy } from '../../validate.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, elapsedSeconds, firstJsonLine, ledgerTimestamp, type ReadStats } from '../jsonl.ts';
import { readJsonLinesFrom, startCursor, type CursorBook, type LogCursor } from '../log-cursor.ts';
import {
  codexLineSchema,
  codexSessionMetaSchema,
  codexSubagentSourceSchema,
  codexTokenCountSchema,
  codexTokenUsageSchema,
  codexTurnContextSchema,
  type CodexSessionMeta,
  type CodexTokenUsage,
} from './schema.ts';

export const CODEX_HOOK_NAME = 'codex-cli';
/** A rollout untouched this long is finished: a last line without its newline is then read too. */
const QUIET_MS = 60_000;

/** What reading a rollout carries from one import to the next, so the next reads only what was appended. */
const codexCarrySchema = z.object({
  sessionId: z.optional(z.string()),
  cwd: z.optional(z.string()),
  model: z.string(),
  previousTotal: z.nullable(codexTokenUsageSchema),
  turnStartedAt: z.optional(z.string()),
  turn: z.number(),
});
export type CodexCarry = z.infer<typeof codexCarrySchema>;

const NOTHING_CARRIED: CodexCarry = { model: '', previousTotal: null, turn: 0 };

/** An import checks the carry of every rollout it resumes, thousands of them. */
const carries = new SchemaCompiledWhenBusy(codexCarrySchema);

function isCodexCarry(value: unknown): value is CodexCarry {
  return carries.schema.safeParse(value).success;
}
const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const USAGE_FIELDS = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_output_tokens'] as const;
const NO_USAGE: CodexTokenUsage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 };

/** Session id to the id of the session it was forked or spawned from. */
type ParentLinks = Map<string, string>;

function sameUsage(a: CodexTokenUsage | null, b: CodexTokenUsage): boolean {
  return a !== null && USAGE_FIELDS.every((field) => a[field] === b[field]);
}

/**
 * The turn's counts: the growth of the running total since the file's
 * previous event. The file's first event is its own last_token_usage: a
 * fork that copies only its parent's last turns starts with a total that
 * holds history this file does not have. A total lower than the one before
 * means the count restarted: last_token_usage again. Without last_token_usage
 * the total itself; logs without totals give last_token_usage only.
 */
function turnUsage(total: CodexTokenUsage | null, last: CodexTokenUsage | null | undefined, previousTotal: CodexTokenUsage | null): CodexTokenUsage | null {
  if (!total) return last ?? null;
  if (!previousTotal) return last ?? total;
  const growth = { ...NO_USAGE };
  for (const field of USAGE_FIELDS) growth[field] = total[field] - previousTotal[field];
  if (USAGE_FIELDS.every((field) => growth[field] >= 0)) return growth;
  return last ?? total;
}

function parentOf(meta: CodexSessionMeta): string | undefined {
  if (meta.forked_from_id) return meta.forked_from_id;
  const spawned = codexSubagentSourceSchema.safeParse(meta.source);
  return spawned.success ? spawned.data.subagent.thread_spawn.parent_thread_id : undefined;
}

/** The first session of a fork chain (a cycle, which Codex never writes, stops the walk). */
function rootOf(sessionId: string, parents: ParentLinks): string {
  const visited = new Set([sessionId]);
  let current = sessionId;
  for (;;) {
    const parent = parents.get(current);
    if (parent === undefined || visited.has(parent)) return current;
    visited.add(parent);
    current = parent;
  }
}

/** Parent links from the first line of every rollout, so a child read before its parent's copy still finds its chain. */
async function readParentLinks(files: readonly string[]): Promise<ParentLinks> {
  const parents: ParentLinks = new Map();
  for (const path of files) {
    const line = codexLineSchema.safeParse(await firstJsonLine(path));
    if (!line.success || line.data.type !== 'session_meta') continue;
    const meta = codexSessionMetaSchema.safeParse(line.data.payload);
    const parent = meta.success ? parentOf(meta.data) : undefined;
    if (meta.success && parent !== undefined) parents.set(meta.data.id, parent);
  }
  return parents;
}

/**
 * Keyed by the running total where Codex logs one, so a session whose count
 * restarts cannot collide with itself. Older logs without totals fall back to
 * the turn's position, stable because rollouts are only ever appended to.
 */
function turnTransactionId(conversation: string, total: CodexTokenUsage | null, usage: CodexTokenUsage, turn: number): string {
  const position = total ? `t${total.input_tokens}-${total.output_tokens}` : `n${turn}`;
  return stableTransactionId('codex', [conversation, position, `${usage.input_tokens}-${usage.output_tokens}`]);
}

interface ImportState {
  parents: ParentLinks;
  /** Transaction ids already produced in this import: a later one is a copy in a fork's file. */
  seen: Set<string>;
  cursors?: CursorBook<CodexCarry>;
}

async function* rolloutRecords(path: string, stats: ReadStats, state: ImportState, cursor: LogCursor<CodexCarry>, finished: boolean): AsyncGenerator<RecordInput> {
  const fileId = basename(path, '.jsonl').match(UUID_AT_END)?.[1] ?? basename(path, '.jsonl');
  // The file's own session is its first session_meta; later ones are copies from the sessions it continues.
  let { sessionId, cwd, model, previousTotal, turnStartedAt, turn } = cursor.carry;
  let { offset, lines } = cursor;
  for await (const batch of readJsonLinesFrom(path, cursor, finished, stats)) {
    ({ offset, lines } = batch);
    for (const { value } of batch.entries) {
      const parsed = codexLineSchema.safeParse(value);
      if (!parsed.success) continue;
      const { type, payload, timestamp } = parsed.data;
      if (type === 'session_meta') {
        const meta = codexSessionMetaSchema.safeParse(payload);
        if (meta.success) {
          const parent = parentOf(meta.data);
          if (parent !== undefined) state.parents.set(meta.data.id, parent);
          if (sessionId === undefined) {
            sessionId = meta.data.id;
            cwd = meta.data.cwd ?? cwd;
          }
        }
      } else if (type === 'turn_context') {
        const context = codexTurnContextSchema.safeParse(payload);
        if (context.success) {
          model = context.data.model ?? model;
          cwd = context.data.cwd ?? cwd;
        }
      }
      const tokenCount = type === 'event_msg' ? codexTokenCountSchema.safeParse(payload) : undefined;
      if (!tokenCount?.success) {
        if (type === 'turn_context' || (type === 'response_item' && turnStartedAt === undefined)) turnStartedAt = timestamp;
        continue;
      }
      const info = tokenCount.data.info;
      const total = info?.total_token_usage ?? null;
      if (total && sameUsage(previousTotal, total)) {
        countSkipped(stats, 'repeated');
        continue;
      }
      const usage = turnUsage(total, info?.last_token_usage, previousTotal);
      if (total) previousTotal = total;
      const time = timestamp === undefined ? undefined : ledgerTimestamp(timestamp);
      if (!usage || usage.input_tokens + usage.output_tokens === 0 || time === undefined) {
        countSkipped(stats, 'no_usage');
        continue;
      }
      turn += 1;
      const ownSession = sessionId ?? fileId;
      const transactionId = turnTransactionId(rootOf(ownSession, state.parents), total, usage, turn);
      if (state.seen.has(transactionId)) {
        countSkipped(stats, 'replayed');
        turnStartedAt = timestamp;
        continue;
      }
      state.seen.add(transactionId);
      stats.responses += 1;
      const ledgerSession = ledgerSessionId(ownSession);
      yield {
        timestamp: time,
        prompt_text: '',
        tokens_used: usage.input_tokens + usage.output_tokens,
        elapsed_time: elapsedSeconds(turnStartedAt, time, { min: LIMITS.minElapsedSeconds, max: LIMITS.maxElapsedSeconds }),
        session_id: ledgerSession,
        workspace_folder: workspaceFolderOf(cwd, 'codex'),
        hook_trigger_type: 'agentExecutionCompleted',
        agent_execution_id: ledgerSession,
        file_patterns: '',
        hook_name: CODEX_HOOK_NAME,
        error_occurred: false,
        error_message: '',
        transaction_id: transactionId,
        model,
        input_tokens: usage.input_tokens,
        // Codex's input_tokens already includes the cached part, and output_tokens the reasoning part.
        output_tokens: usage.output_tokens,
        cache_creation_tokens: 0,
        cache_read_tokens: Math.min(usage.cached_input_tokens, usage.input_tokens),
        usage_source: 'transcript',
      };
      turnStartedAt = timestamp;
    }
  }
  state.cursors?.moveTo({ ...cursor, offset, lines, carry: { sessionId, cwd, model, previousTotal, turnStartedAt, turn } });
}

export interface CodexReadOptions {
  /** Read each rollout from where the last import stopped, and note how far this read got. */
  cursors?: CursorBook<CodexCarry>;
  now?: Date;
}

/**
 * The turns of the given rollouts. With cursors, a rollout is read from
 * where the last import stopped, and one with nothing new is not opened;
 * the parent links of fork chains are read only when some rollout grew.
 */
export async function* codexRecords(files: readonly string[], stats: ReadStats, options: CodexReadOptions = {}): AsyncGenerator<RecordInput> {
  const now = (options.now ?? new Date()).getTime();
  const state: ImportState = { parents: new Map(), seen: new Set(), cursors: options.cursors };
  let parentsRead = false;
  for (const path of files) {
    stats.files += 1;
    const cursor = startCursor(options.cursors, path, NOTHING_CARRIED, isCodexCarry);
    if (cursor.offset > 0 && cursor.offset === cursor.size) continue;
    if (!parentsRead) {
      // Every rollout's first line, so a child read before its parent's copy still finds its chain.
      for (const [child, parent] of await readParentLinks(files)) state.parents.set(child, parent);
      parentsRead = true;
    }
    yield* rolloutRecords(path, stats, state, cursor, now - cursor.mtimeMs > QUIET_MS);
  }
}

