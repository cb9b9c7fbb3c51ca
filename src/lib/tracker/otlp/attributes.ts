/**
 * A ledger row in OpenTelemetry terms, after the GenAI semantic conventions:
 * the attributes of its log record, and its points on the
 * `gen_ai.client.token.usage` histogram (one per token type whose count the
 * row knows). Prompt text and error messages are never sent.
 */
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_COHERE,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating';
import type { LedgerRecord } from '../schema.ts';

export const TOKEN_USAGE_METRIC = METRIC_GEN_AI_CLIENT_TOKEN_USAGE;
/** The bucket boundaries the GenAI conventions give for gen_ai.client.token.usage. */
export const TOKEN_USAGE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** The event name of every log record the export sends. */
export const TRANSACTION_EVENT = 'token_ledger.transaction';
/** The conventions' value for a provider that is none of the well-known ones. */
export const OTHER_PROVIDER = '_OTHER';

export type OtlpAttributes = Record<string, string | number | boolean>;

export interface TokenUsagePoint {
  value: number;
  attributes: OtlpAttributes;
}

// Ordered: the first pattern that matches the model id names its provider.
const PROVIDERS: readonly (readonly [RegExp, string])[] = [
  [/claude/i, GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC],
  [/^(gpt|o\d|codex|chatgpt)/i, GEN_AI_PROVIDER_NAME_VALUE_OPENAI],
  [/^gemini/i, GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI],
  [/^(mistral|codestral|devstral|magistral)/i, GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI],
  [/^deepseek/i, GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK],
  [/^grok/i, GEN_AI_PROVIDER_NAME_VALUE_X_AI],
  [/^command/i, GEN_AI_PROVIDER_NAME_VALUE_COHERE],
];

/** The gen_ai.provider.name for a model id, from the id's family name. */
export function providerOfModel(model: string): string {
  return PROVIDERS.find(([pattern]) => pattern.test(model))?.[1] ?? OTHER_PROVIDER;
}


/** Attributes a row's log record and metric points share: few values each, so fit for metric dimensions. */
function commonAttributes(record: LedgerRecord): OtlpAttributes {
  const user = record.user ?? '';
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: providerOfModel(record.model),
    ...(record.model === '' ? {} : { [ATTR_GEN_AI_REQUEST_MODEL]: record.model }),
    'token_ledger.workspace': record.workspace_folder,
    ...(user === '' ? {} : { 'token_ledger.user': user }),
  };
}

function present<T>(key: string, value: T | null): Record<string, T> {
  return value === null ? {} : { [key]: value };
}

export function logAttributes(record: LedgerRecord): OtlpAttributes {
  return {
    ...commonAttributes(record),
    ...present(ATTR_GEN_AI_USAGE_INPUT_TOKENS, record.input_tokens),
    ...present(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, record.output_tokens),
    ...present(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, record.cache_read_tokens),
    ...present(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, record.cache_creation_tokens),
    // The conventions' name for a session or thread id.
    [ATTR_GEN_AI_CONVERSATION_ID]: record.session_id,
    'token_ledger.transaction_id': record.transaction_id,
    'token_ledger.agent_execution_id': record.agent_execution_id,
    'token_ledger.tokens_used': record.tokens_used,
    'token_ledger.elapsed_time': record.elapsed_time,
    'token_ledger.hook_name': record.hook_name,
    'token_ledger.hook_trigger_type': record.hook_trigger_type,
    'token_ledger.error_occurred': record.error_occurred,
    ...present('token_ledger.cost_usd', record.cost_usd),
    ...present('token_ledger.usage_source', record.usage_source),
  };
}

/**
 * The row's histogram points: its input and its output tokens, each when
 * known. Input tokens include the cached ones, as in the ledger, so the
 * points of one type add up to the ledger's total of that type.
 */
export function tokenUsagePoints(record: LedgerRecord): TokenUsagePoint[] {
  const common = commonAttributes(record);
  const counts = [
    [GEN_AI_TOKEN_TYPE_VALUE_INPUT, record.input_tokens],
    [GEN_AI_TOKEN_TYPE_VALUE_OUTPUT, record.output_tokens],
  ] as const;
  return counts.flatMap(([type, value]) => (value === null ? [] : [{ value, attributes: { ...common, [ATTR_GEN_AI_TOKEN_TYPE]: type } }]));
}

/** A one-line body for backends that show a log record's body first. */
export function logBody(record: LedgerRecord): string {
  const split = record.input_tokens !== null && record.output_tokens !== null ? ` (${record.input_tokens} in, ${record.output_tokens} out)` : '';
  return `${record.model || 'unknown model'}: ${record.tokens_used} tokens${split}`;
}
