/**
 * Claude Code transcripts to ledger records: one record per API response.
 *
 * Claude Code writes one response as several lines (one per content block)
 * sharing message.id and requestId, and output_tokens can grow from line to
 * line; so lines are grouped by that pair and the final line is kept (the one
 * with a stop_reason, else the one with the most output), never the first.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, elapsedSeconds, ledgerTimestamp, readJsonLines, type ReadStats } from '../jsonl.ts';
import { claudeAssistantLineSchema, claudeLineTimeSchema, type ClaudeAssistantLine } from './schema.ts';

/** Claude Code's model name for messages it made up itself (errors, interruptions); no API call, no usage. */
export const SYNTHETIC_MODEL = '<synthetic>';
export const CLAUDE_HOOK_NAME = 'claude-code';
/** A transcript untouched this long is finished: its last response is complete even without a stop_reason. */
const QUIET_MS = 60_000;

interface ResponseGroup {
  key: string;
  messageId: string;
  requestId: string;
  kept: ClaudeAssistantLine;
  keptHasStop: boolean;
  lastLine: number;
  /** Time of the line before the response's first line: roughly when the request was sent. */
  requestedAt: string | undefined;
}

export interface ClaudeReadOptions {
  /** Treat every response as complete (SessionEnd: nothing more will be written). */
  settleAll?: boolean;
  now?: Date;
}

function isBetter(line: ClaudeAssistantLine, group: ResponseGroup): boolean {
  const hasStop = typeof line.message.stop_reason === 'string';
  if (hasStop !== group.keptHasStop) return hasStop;
  return line.message.usage.output_tokens >= group.kept.message.usage.output_tokens;
}

/** Reads one transcript into its responses, in the order they began. */
async function readResponses(path: string, stats: ReadStats): Promise<{ groups: ResponseGroup[]; lastLine: number }> {
  const groups = new Map<string, ResponseGroup>();
  let previousTime: string | undefined;
  let lastLine = 0;
  for await (const entry of readJsonLines(path)) {
    stats.lines += 1;
    lastLine = entry.line;
    if (!entry.ok) {
      stats.bad_lines += 1;
      continue;
    }
    const assistant = claudeAssistantLineSchema.safeParse(entry.value);
    if (!assistant.success) {
      const time = claudeLineTimeSchema.safeParse(entry.value);
      if (time.success && time.data.timestamp !== undefined) previousTime = time.data.timestamp;
      continue;
    }
    const line = assistant.data;
    const requestId = line.requestId ?? '';
    const key = `${line.message.id}\u0000${requestId}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        key,
        messageId: line.message.id,
        requestId,
        kept: line,
        keptHasStop: typeof line.message.stop_reason === 'string',
        lastLine: entry.line,
        requestedAt: previousTime,
      });
    } else {
      group.lastLine = entry.line;
      if (isBetter(line, group)) {
        group.kept = line;
        group.keptHasStop = typeof line.message.stop_reason === 'string';
      }
    }
    previousTime = line.timestamp;
  }
  return { groups: [...groups.values()], lastLine };
}

function toRecord(group: ResponseGroup, path: string): RecordInput | undefined {
  const line = group.kept;
  const timestamp = ledgerTimestamp(line.timestamp);
  if (timestamp === undefined) return undefined;
  const usage = line.message.usage;
  const split = usage.cache_creation;
  const oneHour = split?.ephemeral_1h_input_tokens ?? null;
  const cacheCreation = usage.cache_creation_input_tokens ?? (split ? (split.ephemeral_5m_input_tokens ?? 0) + (oneHour ?? 0) : 0);
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  // The ledger counts all input (OpenTelemetry GenAI convention); Anthropic reports the cache parts apart.
  const input = usage.input_tokens + cacheCreation + cacheRead;
  const sessionId = ledgerSessionId(line.sessionId ?? basename(path, '.jsonl'));
  return {
    timestamp,
    prompt_text: '',
    tokens_used: input + usage.output_tokens,
    elapsed_time: elapsedSeconds(group.requestedAt, line.timestamp, { min: LIMITS.minElapsedSeconds, max: LIMITS.maxElapsedSeconds }),
    session_id: sessionId,
    workspace_folder: workspaceFolderOf(line.cwd, 'claude-code'),
    hook_trigger_type: 'agentExecutionCompleted',
    // A subagent's responses form their own execution within the session.
    agent_execution_id: line.agentId === undefined ? sessionId : ledgerSessionId(`agent-${line.agentId}`),
    file_patterns: '',
    hook_name: CLAUDE_HOOK_NAME,
    error_occurred: false,
    error_message: '',
    transaction_id: stableTransactionId('claude', [group.messageId, group.requestId]),
    model: line.message.model ?? '',
    input_tokens: input,
    output_tokens: usage.output_tokens,
    cache_creation_tokens: cacheCreation,
    cache_read_tokens: cacheRead,
    // Without the split the duration is unknown, and every write is priced at the 5-minute rate.
    cache_creation_1h_tokens: oneHour,
    usage_source: 'transcript',
  };
}

function isQuiet(path: string, now: Date): boolean {
  return now.getTime() - statSync(path).mtimeMs > QUIET_MS;
}

/**
 * The responses of the given transcripts as ledger record inputs. A response
 * still being written (the file's last one, without a stop_reason, in a file
 * touched within the last minute) is held back: the next run picks it up.
 */
export async function* claudeRecords(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions = {}): AsyncGenerator<RecordInput> {
  const now = options.now ?? new Date();
  for (const path of files) {
    stats.files += 1;
    const { groups, lastLine } = await readResponses(path, stats);
    const finished = options.settleAll === true || isQuiet(path, now);
    for (const group of groups) {
      if (group.kept.message.model === SYNTHETIC_MODEL) {
        countSkipped(stats, 'synthetic');
        continue;
      }
      if (!finished && !group.keptHasStop && group.lastLine === lastLine) {
        countSkipped(stats, 'in_progress');
        continue;
      }
      const record = toRecord(group, path);
      if (!record) {
        countSkipped(stats, 'bad_timestamp');
        continue;
      }
      stats.responses += 1;
      yield record;
    }
  }
}
