/**
 * The parts of a Gemini CLI chat recording the importer reads (field names
 * from gemini-cli's chatRecordingService / chatRecordingTypes).
 */
import * as z from 'zod/mini';

const tokenCount = z.int().check(z.minimum(0));
const nonEmpty = z.string().check(z.minLength(1));

/**
 * A reply's usage, copied from the API's usageMetadata: `input` is
 * promptTokenCount, which includes `cached` (cachedContentTokenCount);
 * `output` (candidatesTokenCount) excludes `thoughts`; `tool` is the
 * tool-use prompt, input outside `input`. `total` is the sum of input, output, thoughts and tool.
 */
export const geminiTokensSchema = z.object({
  input: tokenCount,
  output: tokenCount,
  cached: z._default(tokenCount, 0),
  thoughts: z._default(tokenCount, 0),
  tool: z._default(tokenCount, 0),
  total: z.optional(tokenCount),
});

/** Any message: user, info, error, warning or gemini. */
export const geminiMessageSchema = z.object({ id: nonEmpty, timestamp: z.optional(z.string()), type: z.optional(z.string()) });

/** A model reply; `tokens` is absent or null until its usage is known. */
export const geminiReplySchema = z.object({
  id: nonEmpty,
  timestamp: z.string(),
  type: z.literal('gemini'),
  model: z.optional(z.string()),
  tokens: z.nullish(geminiTokensSchema),
});

const directories = z.optional(z.array(z.string()));

/** A `session-*.json` document, or the first line of a `.jsonl` recording (without `messages`). */
export const geminiSessionSchema = z.object({
  sessionId: nonEmpty,
  projectHash: z.optional(z.string()),
  directories,
  messages: z.optional(z.array(z.unknown())),
});

/** A `.jsonl` metadata update; `messages`, when present, is the whole list again. */
export const geminiMetadataUpdateSchema = z.object({
  $set: z.object({ sessionId: z.optional(nonEmpty), directories, messages: z.optional(z.array(z.unknown())) }),
});

export type GeminiReply = z.infer<typeof geminiReplySchema>;
