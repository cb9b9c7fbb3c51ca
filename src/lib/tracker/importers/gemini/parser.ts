/**
 * Gemini CLI chat recordings to ledger records: one record per model reply
 * that carries token counts.
 *
 * A `.jsonl` recording appends a message again each time it changes (its
 * tokens arrive after its text, tool calls are added), and a metadata
 * update can repeat the whole list; so messages are gathered by id and the
 * last version with tokens is kept. A rewind (`$rewindTo`) hides messages
 * from the conversation, but their tokens were spent, so they still count.
 * When Gemini CLI resumes an old `.json` session it copies it into a
 * `.jsonl` file with the same session and message ids: the same rows.
 */
import type { RecordInput } from '../../record/record.ts';
import { LIMITS } from '../../schema.ts';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../ids.ts';
import { countSkipped, elapsedSeconds, ledgerTimestamp, readJsonDocument, readJsonLines, type ReadStats } from '../jsonl.ts';
import { geminiMessageSchema, geminiMetadataUpdateSchema, geminiReplySchema, geminiSessionSchema, type GeminiReply } from './schema.ts';

export const GEMINI_HOOK_NAME = 'gemini-cli';

interface Conversation {
  sessionId: string | undefined;
  directories: readonly string[];
  /** Message ids in the order they first appeared, with that first time. */
  order: { id: string; timestamp: string | undefined }[];
  known: Set<string>;
  replies: Map<string, GeminiReply>;
}

/** Adds a message record to the conversation; false when the value is not a message. */
function addMessage(conversation: Conversation, value: unknown): boolean {
  const message = geminiMessageSchema.safeParse(value);
  if (!message.success) return false;
  const { id } = message.data;
  if (!conversation.known.has(id)) {
    conversation.known.add(id);
    conversation.order.push({ id, timestamp: message.data.timestamp });
  }
  const reply = geminiReplySchema.safeParse(value);
  if (reply.success && reply.data.tokens) conversation.replies.set(id, reply.data);
  return true;
}

function addMessages(conversation: Conversation, messages: readonly unknown[] | undefined): void {
  for (const message of messages ?? []) addMessage(conversation, message);
}

async function readDocument(path: string, stats: ReadStats, conversation: Conversation): Promise<void> {
  const document = await readJsonDocument(path, stats);
  const session = geminiSessionSchema.safeParse(document?.value);
  if (!session.success) return;
  conversation.sessionId = session.data.sessionId;
  conversation.directories = session.data.directories ?? [];
  addMessages(conversation, session.data.messages);
}

async function readRecording(path: string, stats: ReadStats, conversation: Conversation): Promise<void> {
  for await (const entry of readJsonLines(path)) {
    stats.lines += 1;
    if (!entry.ok) {
      stats.bad_lines += 1;
      continue;
    }
    const update = geminiMetadataUpdateSchema.safeParse(entry.value);
    if (update.success) {
      conversation.sessionId = update.data.$set.sessionId ?? conversation.sessionId;
      conversation.directories = update.data.$set.directories ?? conversation.directories;
      addMessages(conversation, update.data.$set.messages);
      continue;
    }
    if (addMessage(conversation, entry.value)) continue;
    const metadata = geminiSessionSchema.safeParse(entry.value);
    if (metadata.success) {
      conversation.sessionId ??= metadata.data.sessionId;
      conversation.directories = metadata.data.directories ?? conversation.directories;
    }
  }
}

function toRecord(reply: GeminiReply, requestedAt: string | undefined, conversation: Conversation, sessionId: string): RecordInput | undefined {
  const timestamp = ledgerTimestamp(reply.timestamp);
  const tokens = reply.tokens;
  if (timestamp === undefined || !tokens) return undefined;
  // The ledger counts all input (cached included, as Gemini's own count does) and all output (thoughts included).
  const input = tokens.input + tokens.tool;
  const output = tokens.output + tokens.thoughts;
  const ledgerSession = ledgerSessionId(sessionId);
  return {
    timestamp,
    prompt_text: '',
    tokens_used: input + output,
    elapsed_time: elapsedSeconds(requestedAt, reply.timestamp, { min: LIMITS.minElapsedSeconds, max: LIMITS.maxElapsedSeconds }),
    session_id: ledgerSession,
    workspace_folder: workspaceFolderOf(conversation.directories[0], 'gemini-cli'),
    hook_trigger_type: 'agentExecutionCompleted',
    agent_execution_id: ledgerSession,
    file_patterns: '',
    hook_name: GEMINI_HOOK_NAME,
    error_occurred: false,
    error_message: '',
    transaction_id: stableTransactionId('gemini', [sessionId, reply.id]),
    model: reply.model ?? '',
    input_tokens: input,
    output_tokens: output,
    cache_creation_tokens: 0,
    cache_read_tokens: Math.min(tokens.cached, input),
    usage_source: 'transcript',
  };
}

export async function* geminiRecords(files: readonly string[], stats: ReadStats): AsyncGenerator<RecordInput> {
  for (const path of files) {
    stats.files += 1;
    const conversation: Conversation = { sessionId: undefined, directories: [], order: [], known: new Set(), replies: new Map() };
    await (path.endsWith('.jsonl') ? readRecording(path, stats, conversation) : readDocument(path, stats, conversation));
    const sessionId = conversation.sessionId;
    if (sessionId === undefined) continue;
    let previousTime: string | undefined;
    for (const { id, timestamp } of conversation.order) {
      const reply = conversation.replies.get(id);
      const requestedAt = previousTime;
      previousTime = timestamp ?? previousTime;
      if (!reply) continue;
      const record = toRecord(reply, requestedAt, conversation, sessionId);
      if (!record || record.tokens_used === 0) {
        countSkipped(stats, record ? 'no_usage' : 'bad_timestamp');
        continue;
      }
      stats.responses += 1;
      yield record;
    }
  }
}
