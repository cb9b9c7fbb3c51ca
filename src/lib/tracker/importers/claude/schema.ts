/**
 * The parts of a Claude Code transcript line the importer reads. Lines hold
 * much more (message content, tool results); zod keeps only these fields.
 */
import * as z from 'zod/mini';

const tokenCount = z.int().check(z.minimum(0));

/**
 * Anthropic's usage block: the four counts are disjoint (input_tokens excludes
 * both cache parts). Newer responses split the cache writes by how long the
 * entry lives; the two parts add up to cache_creation_input_tokens.
 */
export const claudeUsageSchema = z.object({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: z.nullish(tokenCount),
  cache_read_input_tokens: z.nullish(tokenCount),
  cache_creation: z.nullish(
    z.object({
      ephemeral_5m_input_tokens: z.nullish(tokenCount),
      ephemeral_1h_input_tokens: z.nullish(tokenCount),
    }),
  ),
});

/** An assistant line: one content block of one API response, with that response's usage so far. */
export const claudeAssistantLineSchema = z.object({
  type: z.literal('assistant'),
  timestamp: z.string(),
  sessionId: z.optional(z.string().check(z.minLength(1))),
  requestId: z.optional(z.string().check(z.minLength(1))),
  cwd: z.optional(z.string()),
  agentId: z.optional(z.string().check(z.minLength(1))),
  message: z.object({
    id: z.string().check(z.minLength(1)),
    model: z.optional(z.string()),
    stop_reason: z.nullish(z.string()),
    usage: claudeUsageSchema,
  }),
});

/** A block of a user line's content: text the user typed, or a tool's result (which is not a prompt). */
const userContentBlockSchema = z.object({ type: z.string(), text: z.optional(z.string()) });

/** A user line: a prompt the user typed (string or text blocks), or tool results fed back to the model. */
export const claudeUserLineSchema = z.object({
  type: z.literal('user'),
  timestamp: z.optional(z.string()),
  isMeta: z.optional(z.boolean()),
  isCompactSummary: z.optional(z.boolean()),
  message: z.object({ content: z.union([z.string(), z.array(userContentBlockSchema)]) }),
});


/** What a Claude Code hook gets on stdin (Stop, SubagentStop, SessionEnd, ...). */
export const claudeHookInputSchema = z.object({
  session_id: z.string({ error: 'must be the session id' }).check(z.minLength(1)),
  transcript_path: z.string({ error: 'must be the path of the session transcript' }).check(z.minLength(1)),
  cwd: z.optional(z.string()),
  hook_event_name: z.string({ error: 'must name the hook event' }).check(z.minLength(1)),
  agent_transcript_path: z.optional(z.string().check(z.minLength(1))),
});

export type ClaudeAssistantLine = z.infer<typeof claudeAssistantLineSchema>;
export type ClaudeUserLine = z.infer<typeof claudeUserLineSchema>;
export type ClaudeHookInput = z.infer<typeof claudeHookInputSchema>;
