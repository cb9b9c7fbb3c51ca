/**
 * Codex CLI rollouts to ledger records: one record per `token_count` event,
 * from `last_token_usage` (the turn's own counts). Codex repeats an event
 * with unchanged totals (e.g. for a rate-limit update); such repeats are
 * skipped, since a new model call always raises the running total.
 */
import { basename } from 'node:path';
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, elapsedSeconds, ledgerTimestamp, readJsonLines, type ReadStats } from '../jsonl.ts';
import {
  codexLineSchema,
  codexSessionMetaSchema,
  codexTokenCountSchema,
  codexTurnContextSchema,
  type CodexTokenUsage,
} from './schema.ts';

export const CODEX_HOOK_NAME = 'codex-cli';
const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function sameUsage(a: CodexTokenUsage | null, b: CodexTokenUsage): boolean {
  return (
    a !== null &&
    a.input_tokens === b.input_tokens &&
    a.cached_input_tokens === b.cached_input_tokens &&
    a.output_tokens === b.output_tokens &&
    a.reasoning_output_tokens === b.reasoning_output_tokens
  );
}

/** The turn's counts: last_token_usage, else the growth of the running total since the previous event. */
function turnUsage(last: CodexTokenUsage | null | undefined, total: CodexTokenUsage | null | undefined, previousTotal: CodexTokenUsage | null): CodexTokenUsage | null {
  if (last) return last;
  if (!total) return null;
  const base = previousTotal ?? { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 };
  return {
    input_tokens: total.input_tokens - base.input_tokens,
    cached_input_tokens: total.cached_input_tokens - base.cached_input_tokens,
    output_tokens: total.output_tokens - base.output_tokens,
    reasoning_output_tokens: total.reasoning_output_tokens - base.reasoning_output_tokens,
  };
}

/**
 * Keyed by the running total where Codex logs one: the same event copied into
 * another rollout (a resumed session) keeps its id, and a session whose count
 * restarts cannot collide with itself. Older logs without totals fall back to
 * the turn's position, stable because rollouts are only ever appended to.
 */
function turnTransactionId(sessionId: string, total: CodexTokenUsage | null, usage: CodexTokenUsage, turn: number): string {
  const position = total ? `t${total.input_tokens}-${total.output_tokens}` : `n${turn}`;
  return stableTransactionId('codex', [sessionId, position, `${usage.input_tokens}-${usage.output_tokens}`]);
}

async function* rolloutRecords(path: string, stats: ReadStats): AsyncGenerator<RecordInput> {
  const fileId = basename(path, '.jsonl').match(UUID_AT_END)?.[1] ?? basename(path, '.jsonl');
  let sessionId = fileId;
  let cwd: string | undefined;
  let model = '';
  let previousTotal: CodexTokenUsage | null = null;
  let turnStartedAt: string | undefined;
  let turn = 0;
  for await (const entry of readJsonLines(path)) {
    stats.lines += 1;
    if (!entry.ok) {
      stats.bad_lines += 1;
      continue;
    }
    const parsed = codexLineSchema.safeParse(entry.value);
    if (!parsed.success) continue;
    const { type, payload, timestamp } = parsed.data;
    if (type === 'session_meta') {
      const meta = codexSessionMetaSchema.safeParse(payload);
      if (meta.success) {
        sessionId = meta.data.id;
        cwd = meta.data.cwd ?? cwd;
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
    const usage = turnUsage(info?.last_token_usage, total, previousTotal);
    if (total) previousTotal = total;
    const time = timestamp === undefined ? undefined : ledgerTimestamp(timestamp);
    if (!usage || usage.input_tokens + usage.output_tokens === 0 || time === undefined) {
      countSkipped(stats, 'no_usage');
      continue;
    }
    turn += 1;
    stats.responses += 1;
    const ledgerSession = ledgerSessionId(sessionId);
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
      transaction_id: turnTransactionId(sessionId, total, usage, turn),
      model,
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_creation_tokens: 0,
      cache_read_tokens: Math.min(usage.cached_input_tokens, usage.input_tokens),
      usage_source: 'transcript',
    };
    turnStartedAt = timestamp;
  }
}

export async function* codexRecords(files: readonly string[], stats: ReadStats): AsyncGenerator<RecordInput> {
  for (const path of files) {
    stats.files += 1;
    yield* rolloutRecords(path, stats);
  }
}
