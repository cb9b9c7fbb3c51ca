/**
 * Claude Code transcripts to ledger records: one record per API response.
 *
 * Claude Code writes one response as several lines (one per content block)
 * sharing message.id and requestId, and output_tokens can grow from line to
 * line; so lines are grouped by that pair and the final line is kept (the one
 * with a stop_reason, else the one with the most output), never the first.
 */
import { basename } from 'node:path';
import * as z from 'zod/mini';
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { SchemaCompiledWhenBusy } from '../../validate.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, elapsedSeconds, ledgerTimestamp, type ReadStats } from '../jsonl.ts';
import { readJsonLinesFrom, startCursor, type CursorBook, type LogCursor } from '../log-cursor.ts';
import { claudeAssistantLineSchema, claudeUserLineSchema, type ClaudeAssistantLine, type ClaudeUserLine } from './schema.ts';

/** Claude Code's model name for messages it made up itself (errors, interruptions); no API call, no usage. */
export const SYNTHETIC_MODEL = '<synthetic>';
export const CLAUDE_HOOK_NAME = 'claude-code';
/** A transcript untouched this long is finished: its last response is complete even without a stop_reason. */
const QUIET_MS = 60_000;

const responseGroupSchema = z.object({
  key: z.string(),
  messageId: z.string(),
  requestId: z.string(),
  kept: claudeAssistantLineSchema,
  keptHasStop: z.boolean(),
  lastLine: z.number(),
  /** Time of the line before the response's first line: roughly when the request was sent. */
  requestedAt: z.optional(z.string()),
  /** The user prompt that started the turn this response belongs to. */
  prompt: z.string(),
});
type ResponseGroup = z.infer<typeof responseGroupSchema>;

/** What reading a transcript carries from one run to the next: a response still being written, the turn's prompt. */
const claudeCarrySchema = z.object({
  held: z.array(responseGroupSchema),
  previousTime: z.optional(z.string()),
  prompt: z.string(),
});
export type ClaudeCarry = z.infer<typeof claudeCarrySchema>;

const NOTHING_CARRIED: ClaudeCarry = { held: [], prompt: '' };

/** An import checks the carry of every transcript it resumes, thousands of them; a hook, a few. */
const carries = new SchemaCompiledWhenBusy(claudeCarrySchema);

function isClaudeCarry(value: unknown): value is ClaudeCarry {
  return carries.schema.safeParse(value).success;
}

export interface ClaudeReadOptions {
  /** Treat every response as complete (SessionEnd: nothing more will be written). */
  settleAll?: boolean;
  now?: Date;
  /** Read each transcript from where the last import or hook stopped, and note how far this read got. */
  cursors?: CursorBook<ClaudeCarry>;
}

function isBetter(line: ClaudeAssistantLine, group: ResponseGroup): boolean {
  const hasStop = typeof line.message.stop_reason === 'string';
  if (hasStop !== group.keptHasStop) return hasStop;
  return line.message.usage.output_tokens >= group.kept.message.usage.output_tokens;
}

/** An import checks many assistant and user lines (zod's generated parser pays off); a hook, a few (zod's runtime). */
const assistantLines = new SchemaCompiledWhenBusy(claudeAssistantLineSchema);
const userLines = new SchemaCompiledWhenBusy(claudeUserLineSchema);

function typeOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'type' in value ? value.type : undefined;
}

/** Any line's time: the start of the response that follows it. */
function timestampOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' && 'timestamp' in value && typeof value.timestamp === 'string' ? value.timestamp : undefined;
}

/** The text a user typed, or undefined for tool results, notices and summaries Claude Code writes as user lines. */
function promptOf(line: ClaudeUserLine): string | undefined {
  if (line.isMeta === true || line.isCompactSummary === true) return undefined;
  const content = line.message.content;
  if (typeof content === 'string') return content;
  if (content.some((block) => block.type === 'tool_result')) return undefined;
  const text = content.flatMap((block) => (block.type === 'text' && block.text !== undefined ? [block.text] : []));
  return text.length > 0 ? text.join('\n') : undefined;
}

/**
 * Reads one transcript from the cursor on, continuing the responses it
 * carried; returns every response seen, in the order they began, and the
 * cursor after the read.
 */
async function readResponses(
  path: string,
  stats: ReadStats,
  cursor: LogCursor<ClaudeCarry>,
  finished: boolean,
): Promise<{ groups: ResponseGroup[]; lastLine: number; next: LogCursor<ClaudeCarry> }> {
  const groups = new Map<string, ResponseGroup>(cursor.carry.held.map((group) => [group.key, group]));
  let { previousTime, prompt } = cursor.carry;
  let lastLine = Math.max(0, ...cursor.carry.held.map((group) => group.lastLine));
  let offset = cursor.offset;
  let lines = cursor.lines;
  for await (const batch of readJsonLinesFrom(path, cursor, finished, stats)) {
    ({ offset, lines } = batch);
    lastLine = batch.lastLine || lastLine;
    for (const { value, line: number } of batch.entries) {
      // Most lines are neither a response nor a prompt (tool results, snapshots, summaries):
      // their kind decides before any schema runs, and only their time is kept.
      const kind = typeOf(value);
      if (kind === 'user') {
        const user = userLines.schema.safeParse(value);
        if (user.success) prompt = promptOf(user.data) ?? prompt;
      }
      const assistant = kind === 'assistant' ? assistantLines.schema.safeParse(value) : undefined;
      if (!assistant?.success) {
        previousTime = timestampOf(value) ?? previousTime;
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
          lastLine: number,
          requestedAt: previousTime,
          prompt,
        });
      } else {
        group.lastLine = number;
        if (isBetter(line, group)) {
          group.kept = line;
          group.keptHasStop = typeof line.message.stop_reason === 'string';
        }
      }
      previousTime = line.timestamp;
    }
  }
  const all = [...groups.values()];
  const held = all.filter((group) => isInProgress(group, lastLine, finished));
  return { groups: all, lastLine, next: { ...cursor, offset, lines, carry: { held, previousTime, prompt } } };
}

/** The response the file's last line belongs to, without a stop_reason, in a file still being written. */
function isInProgress(group: ResponseGroup, lastLine: number, finished: boolean): boolean {
  return !finished && !group.keptHasStop && group.lastLine === lastLine;
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
    prompt_text: group.prompt,
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

/** Where one transcript's read starts, and whether the transcript is finished (its last response then counts as complete). */
export interface TranscriptRead {
  cursor: LogCursor<ClaudeCarry>;
  finished: boolean;
}

/**
 * Where to read each transcript from (its cursor, when the import keeps
 * them), counting every one in `stats.files`. A transcript with nothing new,
 * and nothing held back that its going quiet would release, is left out: it
 * need not be opened.
 */
export function planTranscriptReads(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions = {}): TranscriptRead[] {
  const now = options.now ?? new Date();
  const reads: TranscriptRead[] = [];
  for (const path of files) {
    stats.files += 1;
    const cursor = startCursor(options.cursors, path, NOTHING_CARRIED, isClaudeCarry);
    const finished = options.settleAll === true || now.getTime() - cursor.mtimeMs > QUIET_MS;
    if (cursor.offset === cursor.size && cursor.offset > 0 && (cursor.carry.held.length === 0 || !finished)) {
      for (const group of cursor.carry.held) if (isInProgress(group, group.lastLine, finished)) countSkipped(stats, 'in_progress');
    } else {
      reads.push({ cursor, finished });
    }
  }
  return reads;
}

/** One transcript's complete responses from the cursor on, as record inputs, and the cursor after the read. */
export async function transcriptRecords({ cursor, finished }: TranscriptRead, stats: ReadStats): Promise<{ records: RecordInput[]; next: LogCursor<ClaudeCarry> }> {
  const { groups, lastLine, next } = await readResponses(cursor.path, stats, cursor, finished);
  const records: RecordInput[] = [];
  for (const group of groups) {
    if (group.kept.message.model === SYNTHETIC_MODEL) {
      countSkipped(stats, 'synthetic');
      continue;
    }
    if (isInProgress(group, lastLine, finished)) {
      countSkipped(stats, 'in_progress');
      continue;
    }
    const record = toRecord(group, cursor.path);
    if (!record) {
      countSkipped(stats, 'bad_timestamp');
      continue;
    }
    stats.responses += 1;
    records.push(record);
  }
  return { records, next };
}

/**
 * The responses of the given transcripts as ledger record inputs. A response
 * still being written (the file's last one, without a stop_reason, in a file
 * touched within the last minute) is held back: the next run picks it up.
 * With cursors, each file is read from where the last run stopped.
 */
export async function* claudeRecords(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions = {}): AsyncGenerator<RecordInput> {
  yield* plannedRecords(planTranscriptReads(files, stats, options), stats, options.cursors);
}

/** The records of planned reads, one transcript after the other, each cursor moved once its records are taken. */
export async function* plannedRecords(reads: readonly TranscriptRead[], stats: ReadStats, cursors: CursorBook<ClaudeCarry> | undefined): AsyncGenerator<RecordInput> {
  for (const read of reads) {
    const { records, next } = await transcriptRecords(read, stats);
    yield* records;
    cursors?.moveTo(next);
  }
}
