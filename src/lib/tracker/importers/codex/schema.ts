/** The parts of a Codex CLI rollout line the importer reads: `{timestamp, type, payload}`. */
import * as z from 'zod/mini';

const tokenCount = z.int().check(z.minimum(0));

/** Codex's usage counts; input_tokens includes cached_input_tokens, output_tokens includes reasoning. */
export const codexTokenUsageSchema = z.object({
  input_tokens: tokenCount,
  cached_input_tokens: z._default(tokenCount, 0),
  output_tokens: tokenCount,
  reasoning_output_tokens: z._default(tokenCount, 0),
  total_tokens: z.optional(tokenCount),
});

export const codexLineSchema = z.object({
  timestamp: z.optional(z.string()),
  type: z.string(),
  payload: z.unknown(),
});

const sessionId = z.string().check(z.minLength(1));

/**
 * A session's own line. A fork names its parent in `forked_from_id`; a
 * spawned subagent in `source.subagent.thread_spawn.parent_thread_id`
 * (`source` is otherwise a plain string such as "cli").
 */
export const codexSessionMetaSchema = z.object({
  id: sessionId,
  cwd: z.optional(z.string()),
  forked_from_id: z.nullish(sessionId),
  source: z.optional(z.unknown()),
});

export const codexSubagentSourceSchema = z.object({
  subagent: z.object({ thread_spawn: z.object({ parent_thread_id: sessionId }) }),
});

export const codexTurnContextSchema = z.object({ model: z.optional(z.string().check(z.minLength(1))), cwd: z.optional(z.string()) });

export const codexTokenCountSchema = z.object({
  type: z.literal('token_count'),
  info: z.nullish(
    z.object({
      total_token_usage: z.nullish(codexTokenUsageSchema),
      last_token_usage: z.nullish(codexTokenUsageSchema),
    }),
  ),
});

export type CodexTokenUsage = z.infer<typeof codexTokenUsageSchema>;
export type CodexSessionMeta = z.infer<typeof codexSessionMetaSchema>;
