/** The parts of an OpenCode message file the importer reads (MessageV2.Assistant in OpenCode's source). */
import * as z from 'zod/mini';

const tokenCount = z.int().check(z.minimum(0));
const nonEmpty = z.string().check(z.minLength(1));

/**
 * OpenCode's counts: `input` excludes `cache.read` and `cache.write` (OpenCode
 * subtracts them for providers that include them), `reasoning` is kept apart
 * from `output`; `total`, in newer versions, is the provider's own total.
 */
export const openCodeTokensSchema = z.object({
  total: z.optional(tokenCount),
  input: tokenCount,
  output: tokenCount,
  reasoning: z._default(tokenCount, 0),
  cache: z._default(z.object({ read: z._default(tokenCount, 0), write: z._default(tokenCount, 0) }), { read: 0, write: 0 }),
});

export const openCodeAssistantSchema = z.object({
  id: nonEmpty,
  sessionID: nonEmpty,
  role: z.literal('assistant'),
  time: z.object({ created: z.number(), completed: z.optional(z.number()) }),
  modelID: z.optional(z.string()),
  providerID: z.optional(z.string()),
  path: z.optional(z.object({ cwd: z.optional(z.string()), root: z.optional(z.string()) })),
  tokens: openCodeTokensSchema,
});

export type OpenCodeAssistant = z.infer<typeof openCodeAssistantSchema>;
