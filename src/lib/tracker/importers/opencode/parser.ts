/**
 * OpenCode message files to ledger records: one record per finished
 * assistant message (one model call's usage).
 *
 * `opencode` forks a session by copying its messages under new message ids
 * into the new session, keeping their times and counts; so a message is
 * keyed by what the copy keeps (its creation and completion time, model and
 * counts), not by its id, and a copy adds nothing.
 */
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, readJsonDocument, type ReadStats } from '../jsonl.ts';
import { openCodeAssistantSchema, type OpenCodeAssistant } from './schema.ts';

export const OPENCODE_HOOK_NAME = 'opencode';

/**
 * Reasoning is output. OpenCode keeps it apart from `output`, but whether the
 * provider's output count already held it varies; where the provider's own
 * total is logged and equals the other counts without reasoning, it did.
 */
function outputTokens(tokens: OpenCodeAssistant['tokens']): number {
  const withoutReasoning = tokens.input + tokens.cache.read + tokens.cache.write + tokens.output;
  return tokens.total === withoutReasoning ? tokens.output : tokens.output + tokens.reasoning;
}

function toRecord(message: OpenCodeAssistant, completed: number): RecordInput | undefined {
  const { tokens, time } = message;
  const completedAt = new Date(completed);
  if (!Number.isFinite(time.created) || Number.isNaN(completedAt.getTime())) return undefined;
  // The ledger counts all input: OpenCode's `input` leaves both cache parts out.
  const input = tokens.input + tokens.cache.read + tokens.cache.write;
  const output = outputTokens(tokens);
  const sessionId = ledgerSessionId(message.sessionID);
  const seconds = (completed - time.created) / 1000;
  return {
    timestamp: completedAt.toISOString(),
    prompt_text: '',
    tokens_used: input + output,
    elapsed_time: Math.min(LIMITS.maxElapsedSeconds, Math.max(LIMITS.minElapsedSeconds, seconds)),
    session_id: sessionId,
    workspace_folder: workspaceFolderOf(message.path?.cwd ?? message.path?.root, 'opencode'),
    hook_trigger_type: 'agentExecutionCompleted',
    agent_execution_id: sessionId,
    file_patterns: '',
    hook_name: OPENCODE_HOOK_NAME,
    error_occurred: false,
    error_message: '',
    transaction_id: stableTransactionId('opencode', [
      `${time.created}-${completed}`,
      message.providerID ?? '',
      message.modelID ?? '',
      `${tokens.input}-${tokens.output}-${tokens.reasoning}-${tokens.cache.read}-${tokens.cache.write}`,
    ]),
    model: message.modelID ?? '',
    input_tokens: input,
    output_tokens: output,
    cache_creation_tokens: tokens.cache.write,
    cache_read_tokens: tokens.cache.read,
    usage_source: 'transcript',
  };
}

export async function* openCodeRecords(files: readonly string[], stats: ReadStats): AsyncGenerator<RecordInput> {
  const seen = new Set<string>();
  for (const path of files) {
    stats.files += 1;
    const document = await readJsonDocument(path, stats);
    const message = openCodeAssistantSchema.safeParse(document?.value);
    if (!message.success) continue;
    const completed = message.data.time.completed;
    if (completed === undefined) {
      // Still streaming: its counts grow until it completes; the next run adds it.
      countSkipped(stats, 'in_progress');
      continue;
    }
    const record = toRecord(message.data, completed);
    if (!record || record.tokens_used === 0) {
      countSkipped(stats, record ? 'no_usage' : 'bad_timestamp');
      continue;
    }
    if (seen.has(String(record.transaction_id))) {
      countSkipped(stats, 'replayed');
      continue;
    }
    seen.add(String(record.transaction_id));
    stats.responses += 1;
    yield record;
  }
}
