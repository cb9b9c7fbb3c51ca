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

export const codexSessionMetaSchema = z.object({ id: z.string().check(z.minLength(1)), cwd: z.optional(z.string()) });

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
