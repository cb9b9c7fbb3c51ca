/**
 * The parts of a Claude Code transcript line the importer reads. Lines hold
 * much more (message content, tool results); zod keeps only these fields.
 */
import { z } from 'zod';

const tokenCount = z.int().min(0);

/** Anthropic's usage block: the four counts are disjoint (input_tokens excludes both cache parts). */
export const claudeUsageSchema = z.object({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount.nullish(),
  cache_read_input_tokens: tokenCount.nullish(),
});

/** An assistant line: one content block of one API response, with that response's usage so far. */
export const claudeAssistantLineSchema = z.object({
  type: z.literal('assistant'),
  timestamp: z.string(),
  sessionId: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
  cwd: z.string().optional(),
  agentId: z.string().min(1).optional(),
  message: z.object({
    id: z.string().min(1),
    model: z.string().optional(),
    stop_reason: z.string().nullish(),
    usage: claudeUsageSchema,
  }),
});

/** Any other line; only its time is used (as the start of the response that follows it). */
export const claudeLineTimeSchema = z.object({ timestamp: z.string().optional() });

/** What a Claude Code hook gets on stdin (Stop, SubagentStop, SessionEnd, ...). */
export const claudeHookInputSchema = z.object({
  session_id: z.string({ error: 'must be the session id' }).min(1),
  transcript_path: z.string({ error: 'must be the path of the session transcript' }).min(1),
  cwd: z.string().optional(),
  hook_event_name: z.string({ error: 'must name the hook event' }).min(1),
  agent_transcript_path: z.string().min(1).optional(),
});

export type ClaudeAssistantLine = z.infer<typeof claudeAssistantLineSchema>;
export type ClaudeHookInput = z.infer<typeof claudeHookInputSchema>;
