/** The parts of a Codex CLI rollout line the importer reads: `{timestamp, type, payload}`. */
import { z } from 'zod';

const tokenCount = z.int().min(0);

/** Codex's usage counts; input_tokens includes cached_input_tokens, output_tokens includes reasoning. */
export const codexTokenUsageSchema = z.object({
  input_tokens: tokenCount,
  cached_input_tokens: tokenCount.default(0),
  output_tokens: tokenCount,
  reasoning_output_tokens: tokenCount.default(0),
  total_tokens: tokenCount.optional(),
});

export const codexLineSchema = z.object({
  timestamp: z.string().optional(),
  type: z.string(),
  payload: z.unknown(),
});

export const codexSessionMetaSchema = z.object({ id: z.string().min(1), cwd: z.string().optional() });

export const codexTurnContextSchema = z.object({ model: z.string().min(1).optional(), cwd: z.string().optional() });

export const codexTokenCountSchema = z.object({
  type: z.literal('token_count'),
  info: z
    .object({
      total_token_usage: codexTokenUsageSchema.nullish(),
      last_token_usage: codexTokenUsageSchema.nullish(),
    })
    .nullish(),
});

export type CodexTokenUsage = z.infer<typeof codexTokenUsageSchema>;
