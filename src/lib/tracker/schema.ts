/**
 * The ledger record: its columns, its types and every rule a row must keep.
 * The zod schema here is the single source of truth for the record type and
 * for the messages users see when a value breaks a rule.
 */
import * as z from 'zod/mini';
import { COST_DECIMALS, roundTo } from './numbers.ts';

/** The 12 standard columns, in their fixed order (schema v1). */
export const V1_COLUMNS = [
  'timestamp',
  'prompt_text',
  'tokens_used',
  'elapsed_time',
  'session_id',
  'workspace_folder',
  'hook_trigger_type',
  'agent_execution_id',
  'file_patterns',
  'hook_name',
  'error_occurred',
  'error_message',
] as const;

/** Columns schema v2 appends after the standard 12. */
export const V2_EXTRA_COLUMNS = [
  'transaction_id',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_creation_tokens',
  'cache_read_tokens',
  'cost_usd',
  'usage_source',
] as const;

export const V2_COLUMNS = [...V1_COLUMNS, ...V2_EXTRA_COLUMNS] as const;

/** Columns schema v3 appends after v2's 20: the 1-hour part of the cache writes (priced apart) and who ran the agent. */
export const V3_EXTRA_COLUMNS = ['cache_creation_1h_tokens', 'user'] as const;

export const V3_COLUMNS = [...V2_COLUMNS, ...V3_EXTRA_COLUMNS] as const;

export type Column = (typeof V3_COLUMNS)[number];
export type SchemaVersion = 1 | 2 | 3;

/** The version new ledgers are created in and `migrate` rewrites to. */
export const LATEST_SCHEMA_VERSION = 3 satisfies SchemaVersion;

export function columnsFor(version: SchemaVersion): readonly Column[] {
  if (version === 1) return V1_COLUMNS;
  return version === 2 ? V2_COLUMNS : V3_COLUMNS;
}

export const HOOK_TRIGGER_TYPES = [
  'agentExecutionCompleted',
  'agentExecutionStarted',
  'fileEdited',
  'userMessage',
  'manual',
  'scheduled',
] as const;

export const USAGE_SOURCES = ['reported', 'transcript', 'estimated'] as const;

export const LIMITS = {
  maxTokens: 1_000_000,
  minElapsedSeconds: 0.001,
  maxElapsedSeconds: 3600,
  maxIdLength: 50,
  maxFolderLength: 255,
  maxHookNameLength: 100,
  // Bounded so rounding to COST_DECIMALS cannot overflow to Infinity (found by the fuzz test).
  maxCostUsd: 1_000_000_000,
  maxErrorMessageLength: 500,
  maxModelLength: 100,
  maxUserLength: 254,
  futureToleranceMs: 5 * 60 * 1000,
} as const;

const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const KEBAB_CASE_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const TRANSACTION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const ELAPSED_DECIMALS = 3;
export { COST_DECIMALS, roundTo };

const identifier = (what: string) =>
  z.string({ error: 'must be text' }).check(
    z.minLength(1, { error: `must not be empty (${what})` }),
    z.maxLength(LIMITS.maxIdLength, { error: `must be at most ${LIMITS.maxIdLength} characters` }),
    z.regex(ID_PATTERN, { error: 'may only contain letters, digits, "_" and "-"' }),
  );

const tokenCount = z.int({ error: 'must be a whole number' }).check(
  z.minimum(0, { error: 'must not be negative' }),
  z.maximum(Number.MAX_SAFE_INTEGER, { error: 'is too large' }),
);

const noNul = (value: string) => !value.includes('\u0000');
const isFolderName = (value: string) => !/[/\\]/.test(value) && noNul(value);
const isOneLine = (value: string) => !/[\r\n\u0000]/.test(value);
const isModelName = (value: string) => !/[\u0000-\u001f,"]/.test(value);
const hasNoControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

/** Whether each date and hour seen (a timestamp's first 13 characters) is real; a ledger's rows share a few thousand. */
const realHours = new Map<string, boolean>();
const REAL_HOURS_KEPT = 100_000;

/** Whether the date and time fields of a timestamp-like string name a real UTC instant: Date.UTC rolls impossible values over, so a round trip of its parts shows them. */
function isRealUtc(value: string, minute: number, second: number): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const hour = Number(value.slice(11, 13));
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day && time.getUTCHours() === hour && minute < 60 && second < 60;
}

/**
 * Whether a string names a real UTC instant (no 30 February, no hour 24).
 * This runs on every row a reader sees, so a string shaped like
 * TIMESTAMP_PATTERN has its date and hour judged once per hour seen: its
 * minutes and seconds (00-99) roll nothing over unless they are 60 or more.
 */
function isCalendarTimestamp(value: string): boolean {
  if (!TIMESTAMP_PATTERN.test(value)) return isRealUtc(value, Number(value.slice(14, 16)), Number(value.slice(17, 19)));
  return isRealShapedTimestamp(value);
}

/** The hour judged last, and its verdict: a ledger's rows come mostly in time order. */
let lastHour = { text: '\u0000', real: false };

/** isCalendarTimestamp of a string known to be shaped like TIMESTAMP_PATTERN. */
function isRealShapedTimestamp(value: string): boolean {
  // Two digits each: 60 or more starts with 6 to 9.
  if (value.charCodeAt(14) >= 0x36 || value.charCodeAt(17) >= 0x36) return false;
  if (value.startsWith(lastHour.text)) return lastHour.real;
  const hourText = value.slice(0, 13);
  let real = realHours.get(hourText);
  if (real === undefined) {
    real = isRealUtc(value, 0, 0);
    if (realHours.size < REAL_HOURS_KEPT) realHours.set(hourText, real);
  }
  lastHour = { text: hourText, real };
  return real;
}

/**
 * A record's timestamp in ms. The ledger's (checked: YYYY-MM-DDTHH:MM:SS.mmmZ) by arithmetic on its digits, about
 * a sixth of Date.parse's cost, which a read pays for every row; anything else by Date.parse.
 */
export function timestampMs(timestamp: string): number {
  if (timestamp.length !== 24 || timestamp.charCodeAt(23) !== 0x5a) return Date.parse(timestamp);
  const month = twoDigits(timestamp, 5);
  // Days from 1970-01-01 of a proleptic Gregorian date, in years that start in March (so the leap day comes last).
  const year = twoDigits(timestamp, 0) * 100 + twoDigits(timestamp, 2) - (month <= 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + twoDigits(timestamp, 8) - 1;
  const days = era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
  const milliseconds = twoDigits(timestamp, 20) * 10 + timestamp.charCodeAt(22) - 0x30;
  return days * 86_400_000 + twoDigits(timestamp, 11) * 3_600_000 + twoDigits(timestamp, 14) * 60_000 + twoDigits(timestamp, 17) * 1000 + milliseconds;
}

/** The number the two digits at `index` spell: a function of its own, not a closure made on every call. */
function twoDigits(text: string, index: number): number {
  return (text.charCodeAt(index) - 0x30) * 10 + text.charCodeAt(index + 1) - 0x30;
}

/** The shape and per-field rules of one ledger record. */
export const ledgerRecordShape = z.object({
  timestamp: z.string({ error: 'must be text' }).check(
    z.regex(TIMESTAMP_PATTERN, { error: 'must be ISO 8601 UTC with milliseconds, like 2026-01-31T12:00:00.000Z' }),
    z.refine(isCalendarTimestamp, { error: 'is not a real calendar date and time' }),
  ),
  prompt_text: z.string({ error: 'must be text' }).check(z.refine(noNul, { error: 'must not contain NUL characters' })),
  tokens_used: z.int({ error: 'must be a whole number' }).check(
    z.minimum(0, { error: `must be from 1 to ${LIMITS.maxTokens} (0 only when error_occurred is true)` }),
    z.maximum(LIMITS.maxTokens, { error: `must be at most ${LIMITS.maxTokens}` }),
  ),
  elapsed_time: z.pipe(
    z.pipe(z.number({ error: 'must be a number of seconds' }), z.transform((value: number) => roundTo(value, ELAPSED_DECIMALS))),
    z.number().check(
      z.minimum(LIMITS.minElapsedSeconds, { error: `must be at least ${LIMITS.minElapsedSeconds} seconds` }),
      z.maximum(LIMITS.maxElapsedSeconds, { error: `must be at most ${LIMITS.maxElapsedSeconds} seconds` }),
    ),
  ),
  session_id: identifier('session id'),
  workspace_folder: z.string({ error: 'must be text' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(LIMITS.maxFolderLength, { error: `must be at most ${LIMITS.maxFolderLength} characters` }),
    z.refine(isFolderName, {
      error: 'must be a folder name, not a path (no "/" or "\\")',
    }),
  ),
  hook_trigger_type: z.enum(HOOK_TRIGGER_TYPES, { error: `must be one of ${HOOK_TRIGGER_TYPES.join(', ')}` }),
  agent_execution_id: identifier('agent execution id'),
  file_patterns: z
    .string({ error: 'must be text' })
    .check(z.refine(isOneLine, { error: 'must be ";"-separated globs on one line' })),
  hook_name: z.string({ error: 'must be text' }).check(
    z.maxLength(LIMITS.maxHookNameLength, { error: `must be at most ${LIMITS.maxHookNameLength} characters` }),
    z.regex(KEBAB_CASE_PATTERN, { error: 'must be kebab-case, like token-tracker-hook' }),
  ),
  error_occurred: z.boolean({ error: 'must be true or false' }),
  error_message: z.string({ error: 'must be text' }).check(
    z.maxLength(LIMITS.maxErrorMessageLength, { error: `must be at most ${LIMITS.maxErrorMessageLength} characters` }),
    z.refine(noNul, { error: 'must not contain NUL characters' }),
  ),
  transaction_id: z
    .string({ error: 'must be text' })
    .check(z.regex(TRANSACTION_ID_PATTERN, { error: 'must be 1 to 128 of letters, digits, "_", ".", ":" and "-"' })),
  model: z.string({ error: 'must be text' }).check(
    z.maxLength(LIMITS.maxModelLength, { error: `must be at most ${LIMITS.maxModelLength} characters` }),
    z.refine(isModelName, { error: 'must not contain control characters, commas or quotes' }),
  ),
  input_tokens: z.nullable(tokenCount),
  output_tokens: z.nullable(tokenCount),
  cache_creation_tokens: z.nullable(tokenCount),
  cache_read_tokens: z.nullable(tokenCount),
  cost_usd: z.nullable(
    z.pipe(
      z.number({ error: 'must be a number of US dollars' }).check(
        z.minimum(0, { error: 'must not be negative' }),
        z.maximum(LIMITS.maxCostUsd, { error: `must be at most ${LIMITS.maxCostUsd}` }),
      ),
      z.transform((value: number) => roundTo(value, COST_DECIMALS)),
    ),
  ),
  usage_source: z.nullable(z.enum(USAGE_SOURCES, { error: `must be one of ${USAGE_SOURCES.join(', ')}` })),
  cache_creation_1h_tokens: z.nullable(tokenCount),
  user: z.string({ error: 'must be text' }).check(
    z.maxLength(LIMITS.maxUserLength, { error: `must be at most ${LIMITS.maxUserLength} characters` }),
    z.refine(hasNoControlCharacters, { error: 'must not contain control characters' }),
  ),
});

export type LedgerRecord = z.output<typeof ledgerRecordShape>;
export type HookTriggerType = (typeof HOOK_TRIGGER_TYPES)[number];
export type UsageSource = (typeof USAGE_SOURCES)[number];

/** What the time rules are measured against. */
export interface RecordRuleContext {
  now: Date;
  /** Oldest allowed age in days; only checked for records being recorded live. */
  maxAgeDays: number | null;
}

/**
 * The rules that tie a record's fields together and the time rules: `broken`
 * is called once per rule the record breaks. `time` is the timestamp's
 * instant (NaN when it names none).
 */
function checkRecordWideRules(record: LedgerRecord, time: number, context: RecordRuleContext, broken: (field: Column, message: string) => void): void {
  if (record.tokens_used === 0 && !record.error_occurred) {
    broken('tokens_used', `must be from 1 to ${LIMITS.maxTokens} (0 only when error_occurred is true)`);
  }
  if (!record.error_occurred && record.error_message !== '') {
    broken('error_message', 'must be empty unless error_occurred is true');
  }
  if (record.input_tokens !== null && record.output_tokens !== null) {
    const sum = record.input_tokens + record.output_tokens;
    if (sum !== record.tokens_used) {
      broken('tokens_used', `must equal input_tokens + output_tokens (${sum})`);
    }
  }
  if (record.input_tokens !== null) {
    const cached = (record.cache_creation_tokens ?? 0) + (record.cache_read_tokens ?? 0);
    if (cached > record.input_tokens) {
      broken('input_tokens', `must include cache_creation_tokens + cache_read_tokens (${cached})`);
    }
  }
  if (record.cache_creation_1h_tokens !== null && record.cache_creation_1h_tokens > (record.cache_creation_tokens ?? 0)) {
    broken('cache_creation_1h_tokens', `must be part of cache_creation_tokens (at most ${record.cache_creation_tokens ?? 0})`);
  }

  if (Number.isNaN(time)) return;
  if (time - context.now.getTime() > LIMITS.futureToleranceMs) {
    broken('timestamp', 'must not be more than 5 minutes in the future');
  }
  if (context.maxAgeDays !== null && context.now.getTime() - time > context.maxAgeDays * 86_400_000) {
    broken('timestamp', `must not be older than ${context.maxAgeDays} days (max_age_days)`);
  }
}

/** The full schema: per-field rules plus the rules that tie fields together. */
export function ledgerRecordSchema(context: RecordRuleContext) {
  return ledgerRecordShape.check(
    z.superRefine((record, ctx) =>
      checkRecordWideRules(record, Date.parse(record.timestamp), context, (field, message) => ctx.addIssue({ code: 'custom', path: [field], message, input: record[field] })),
    ),
  );
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isIdentifier = (value: unknown) => isText(value) && value.length <= LIMITS.maxIdLength && ID_PATTERN.test(value);
const isTokenCount = (value: unknown) => value === null || (Number.isSafeInteger(value) && (value as number) >= 0);
const isMember = <T extends string>(members: readonly T[], value: unknown): value is T => members.includes(value as T);

/** How many accepted values a remembering rule keeps: a team's folders, hooks, models and users are few. */
const ACCEPTED_VALUES_KEPT = 256;

/**
 * A text rule that remembers values it accepted: a ledger's rows mostly
 * repeat their folder, hook, model, file patterns and user (not their
 * session: a year has tens of thousands), and looking a value up costs a
 * fraction of the rule's regex, which a read ran for every row. The rules
 * are pure, so an equal value gets the same verdict.
 */
function rememberingAccepted(rule: (value: string) => boolean): (value: unknown) => value is string {
  const accepted = new Set<string>();
  return (value: unknown): value is string => {
    if (!isText(value)) return false;
    if (accepted.has(value)) return true;
    if (!rule(value)) return false;
    if (accepted.size < ACCEPTED_VALUES_KEPT) accepted.add(value);
    return true;
  };
}

const isWorkspaceFolder = rememberingAccepted((folder) => folder.length > 0 && folder.length <= LIMITS.maxFolderLength && isFolderName(folder));
const isFilePatterns = rememberingAccepted(isOneLine);
const isHookName = rememberingAccepted((name) => name.length <= LIMITS.maxHookNameLength && KEBAB_CASE_PATTERN.test(name));
const isModel = rememberingAccepted((model) => model.length <= LIMITS.maxModelLength && isModelName(model));
const isUser = rememberingAccepted((user) => user.length <= LIMITS.maxUserLength && hasNoControlCharacters(user));

/**
 * The record ledgerRecordSchema(context) makes of a candidate that keeps
 * every rule, found without zod; undefined when any rule is broken (or the
 * candidate is shaped unlike rowToCandidate's), for zod to judge and name.
 * Every field rule above, restated on plain values with the same predicates
 * and limits: zod's per-field parsing was a quarter of a ledger read. The
 * schema test holds the two to the same verdicts and records.
 */
export function recordKeepingEveryRule(candidate: Readonly<Record<string, unknown>>, context: RecordRuleContext): LedgerRecord | undefined {
  const c = candidate;
  const timestamp = c.timestamp;
  if (!isText(timestamp) || !TIMESTAMP_PATTERN.test(timestamp) || !isRealShapedTimestamp(timestamp)) return undefined;
  if (!isText(c.prompt_text) || !noNul(c.prompt_text)) return undefined;
  const tokensUsed = c.tokens_used;
  if (!Number.isSafeInteger(tokensUsed) || (tokensUsed as number) < 0 || (tokensUsed as number) > LIMITS.maxTokens) return undefined;
  if (typeof c.elapsed_time !== 'number' || !Number.isFinite(c.elapsed_time)) return undefined;
  const elapsed = roundTo(c.elapsed_time, ELAPSED_DECIMALS);
  if (!(elapsed >= LIMITS.minElapsedSeconds && elapsed <= LIMITS.maxElapsedSeconds)) return undefined;
  if (!isIdentifier(c.session_id) || !isIdentifier(c.agent_execution_id)) return undefined;
  const folder = c.workspace_folder;
  if (!isWorkspaceFolder(folder)) return undefined;
  if (!isMember(HOOK_TRIGGER_TYPES, c.hook_trigger_type)) return undefined;
  if (!isFilePatterns(c.file_patterns) || !isHookName(c.hook_name)) return undefined;
  if (typeof c.error_occurred !== 'boolean') return undefined;
  const errorMessage = c.error_message;
  if (!isText(errorMessage) || errorMessage.length > LIMITS.maxErrorMessageLength || !noNul(errorMessage)) return undefined;
  if (!isText(c.transaction_id) || !TRANSACTION_ID_PATTERN.test(c.transaction_id)) return undefined;
  if (!isModel(c.model)) return undefined;
  if (!isTokenCount(c.input_tokens) || !isTokenCount(c.output_tokens) || !isTokenCount(c.cache_creation_tokens) || !isTokenCount(c.cache_read_tokens) || !isTokenCount(c.cache_creation_1h_tokens)) {
    return undefined;
  }
  const cost = c.cost_usd;
  if (cost !== null && (typeof cost !== 'number' || !(cost >= 0 && cost <= LIMITS.maxCostUsd))) return undefined;
  if (c.usage_source !== null && !isMember(USAGE_SOURCES, c.usage_source)) return undefined;
  if (!isUser(c.user)) return undefined;
  const record: LedgerRecord = {
    timestamp,
    prompt_text: c.prompt_text,
    tokens_used: tokensUsed as number,
    elapsed_time: elapsed,
    session_id: c.session_id as string,
    workspace_folder: folder,
    hook_trigger_type: c.hook_trigger_type,
    agent_execution_id: c.agent_execution_id as string,
    file_patterns: c.file_patterns,
    hook_name: c.hook_name,
    error_occurred: c.error_occurred,
    error_message: errorMessage,
    transaction_id: c.transaction_id,
    model: c.model,
    input_tokens: c.input_tokens as number | null,
    output_tokens: c.output_tokens as number | null,
    cache_creation_tokens: c.cache_creation_tokens as number | null,
    cache_read_tokens: c.cache_read_tokens as number | null,
    cost_usd: cost === null ? null : roundTo(cost, COST_DECIMALS),
    usage_source: c.usage_source,
    cache_creation_1h_tokens: c.cache_creation_1h_tokens as number | null,
    user: c.user,
  };
  let keepsAll = true;
  // The timestamp is checked: its digits give the instant, at a sixth of Date.parse's cost.
  checkRecordWideRules(record, timestampMs(timestamp), context, () => {
    keepsAll = false;
  });
  return keepsAll ? record : undefined;
}
