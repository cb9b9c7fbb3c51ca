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
const MAX_TRANSACTION_ID_LENGTH = 128;
const TRANSACTION_ID_PATTERN = new RegExp(`^[A-Za-z0-9_.:-]{1,${MAX_TRANSACTION_ID_LENGTH}}$`);

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

/** Whether the date and time fields of a timestamp-like string name a real UTC instant: Date.UTC rolls impossible values over, so a round trip of its parts shows them. */
function isRealUtc(value: string, minute: number, second: number): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const hour = Number(value.slice(11, 13));
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day && time.getUTCHours() === hour && minute < 60 && second < 60;
}

/** Whether a string names a real UTC instant (no 30 February, no hour 24); one shaped like TIMESTAMP_PATTERN is judged by ledgerTimestampMs. */
function isCalendarTimestamp(value: string): boolean {
  if (!TIMESTAMP_PATTERN.test(value)) return isRealUtc(value, Number(value.slice(14, 16)), Number(value.slice(17, 19)));
  return !Number.isNaN(ledgerTimestampMs(value));
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

/** Where a ledger timestamp (YYYY-MM-DDTHH:MM:SS.mmmZ) has digits. */
const TIMESTAMP_DIGIT_AT = Uint8Array.of(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22);
const DAYS_IN_MONTH = Uint8Array.of(31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31);

/**
 * The instant of a timestamp shaped like TIMESTAMP_PATTERN that names a real
 * UTC instant (no 30 February, no hour 24), by arithmetic on its character
 * codes; NaN for any other text. A read checks and dates every row: this
 * stands for the pattern's regex, a calendar check and a second reading of
 * the digits. Years 0000 to 0099 stay rejected, as they were when a Date.UTC
 * round trip judged the calendar (Date.UTC reads them as 1900 to 1999).
 */
export function ledgerTimestampMs(value: string): number {
  if (value.length !== 24) return Number.NaN;
  for (let index = 0; index < TIMESTAMP_DIGIT_AT.length; index += 1) {
    const code = value.charCodeAt(TIMESTAMP_DIGIT_AT[index]!);
    if (code < 0x30 || code > 0x39) return Number.NaN;
  }
  const separated =
    value.charCodeAt(4) === 0x2d &&
    value.charCodeAt(7) === 0x2d &&
    value.charCodeAt(10) === 0x54 &&
    value.charCodeAt(13) === 0x3a &&
    value.charCodeAt(16) === 0x3a &&
    value.charCodeAt(19) === 0x2e &&
    value.charCodeAt(23) === 0x5a;
  if (!separated) return Number.NaN;
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  if (year < 100 || month < 1 || month > 12 || day < 1) return Number.NaN;
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (day > DAYS_IN_MONTH[month - 1]! + leapDay) return Number.NaN;
  if (twoDigits(value, 11) > 23 || twoDigits(value, 14) > 59 || twoDigits(value, 17) > 59) return Number.NaN;
  return timestampMs(value);
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
    .check(z.regex(TRANSACTION_ID_PATTERN, { error: `must be 1 to ${MAX_TRANSACTION_ID_LENGTH} of letters, digits, "_", ".", ":" and "-"` })),
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
  /**
   * True while the text the records are read from is known to hold no NUL byte (a ledger read that has looked at
   * every byte it parsed so far): then no cell holds a NUL character, and the rules against one need not look.
   */
  textHasNoNul?: boolean;
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

/** The ASCII letters, digits and `extra` as a table by character code. */
function asciiClass(extra: string): Uint8Array {
  const table = new Uint8Array(0x80);
  for (let code = 0; code < table.length; code += 1) {
    const character = String.fromCharCode(code);
    if (/[A-Za-z0-9]/.test(character) || extra.includes(character)) table[code] = 1;
  }
  return table;
}

/** ID_PATTERN's and TRANSACTION_ID_PATTERN's characters: three ids a row, tested by a loop instead of a regex call each. */
const ID_CHARACTERS = asciiClass('_-');
const TRANSACTION_ID_CHARACTERS = asciiClass('_.:-');

/** Whether a text is `min` to `max` characters, each of an asciiClass table. */
function isAsciiRun(text: string, table: Uint8Array, min: number, max: number): boolean {
  if (text.length < min || text.length > max) return false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0x80 || table[code] === 0) return false;
  }
  return true;
}

const isIdentifier = (value: unknown) => isText(value) && isAsciiRun(value, ID_CHARACTERS, 1, LIMITS.maxIdLength);
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
  if (!isText(timestamp)) return undefined;
  const time = ledgerTimestampMs(timestamp);
  if (Number.isNaN(time)) return undefined;
  // A NUL character in a cell is a NUL byte in its text, which a read can rule out for all its cells at once.
  const mayHoldNul = context.textHasNoNul !== true;
  if (!isText(c.prompt_text) || (mayHoldNul && !noNul(c.prompt_text))) return undefined;
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
  if (!isText(errorMessage) || errorMessage.length > LIMITS.maxErrorMessageLength || (mayHoldNul && !noNul(errorMessage))) return undefined;
  if (!isText(c.transaction_id) || !isAsciiRun(c.transaction_id, TRANSACTION_ID_CHARACTERS, 1, MAX_TRANSACTION_ID_LENGTH)) return undefined;
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
  checkRecordWideRules(record, time, context, () => {
    keepsAll = false;
  });
  return keepsAll ? record : undefined;
}
