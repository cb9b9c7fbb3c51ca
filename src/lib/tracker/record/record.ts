/**
 * recordTransaction: from what a hook or a user knows about one interaction
 * to one validated row in the ledger, with the missing metadata filled in.
 */
import { basename } from 'node:path';
import { isTrackingEnabled, loadConfig, type LoadedConfig } from '../config.ts';
import { deliverRecord } from './deliver.ts';
import { costOfCandidate, pricingFor } from '../pricing/pricing.ts';
import { storedPromptText, truncateText } from './prompt.ts';
import { newExecutionId, newTransactionId } from './ids.ts';
import { redactSecrets } from './redact.ts';
import { resolveUser, userForLedger } from './user.ts';
import { LIMITS, type LedgerRecord, type SchemaVersion } from '../schema.ts';
import { ValidationError } from '../errors.ts';
import { validateRecord } from '../validate.ts';

/** What a caller may give; every field is optional and checked by the record schema. */
export type RecordInput = { [K in keyof LedgerRecord]?: unknown };

export const DEFAULT_HOOK_NAME = 'token-tracker-hook';

export interface RecordOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Ledger path that wins over config and env (the CLI's --csv). */
  csvPath?: string;
  now?: Date;
  /** Already loaded config, to save reading it twice. */
  loaded?: LoadedConfig;
}

export type RecordResult =
  | { status: 'written'; record: LedgerRecord; path: string; version: SchemaVersion; warnings: string[] }
  /** The ledger could not be written; the record waits in the spool (`spoolFile`) for the next write or `flush`. */
  | { status: 'spooled'; record: LedgerRecord; path: string; spoolFile: string; reason: string }
  | { status: 'disabled'; reason: string };

function defaultSessionId(now: Date): string {
  // One IDE process on one day is one session unless the caller names it.
  return `session-${process.ppid}-${now.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The last prompt stored and what was stored for it: an import's responses of one turn share the turn's prompt. */
let lastPrompt: { text: string; config: LoadedConfig['config']; stored: string } | undefined;

/** The prompt as the ledger keeps it: secrets redacted, then the prompt mode and length limit applied. */
function promptToStore(text: string, config: LoadedConfig['config']): string {
  if (lastPrompt?.text !== text || lastPrompt.config !== config) lastPrompt = { text, config, stored: storedPromptText(redactSecrets(text, config.redaction), config) };
  return lastPrompt.stored;
}

/** Fills metadata the caller left out and applies prompt mode and length limits. */
export function completeRecord(input: RecordInput, loaded: LoadedConfig, now: Date, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const { config, root } = loaded;
  const candidate: Record<string, unknown> = { ...input };
  const errorMessage = typeof input.error_message === 'string' ? redactSecrets(input.error_message, config.redaction) : '';
  candidate.timestamp ??= now.toISOString();
  candidate.session_id ??= env.TOKEN_LEDGER_SESSION ?? defaultSessionId(now);
  candidate.agent_execution_id ??= newExecutionId();
  candidate.workspace_folder ??= basename(root);
  candidate.hook_trigger_type ??= 'manual';
  candidate.hook_name ??= DEFAULT_HOOK_NAME;
  candidate.file_patterns ??= '';
  candidate.error_occurred ??= errorMessage !== '';
  candidate.error_message = truncateText(errorMessage, LIMITS.maxErrorMessageLength);
  candidate.transaction_id ??= newTransactionId(now);
  candidate.model ??= '';
  // An explicit cost (even 0) wins; otherwise price the counts of a named model, or leave it empty (unpriced).
  candidate.cost_usd ??= typeof candidate.model === 'string' && candidate.model !== '' ? costOfCandidate(candidate, pricingFor(loaded)) : null;
  for (const field of ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cache_creation_1h_tokens', 'cost_usd'] as const) {
    candidate[field] ??= null;
  }
  if (candidate.tokens_used === undefined && typeof candidate.input_tokens === 'number' && typeof candidate.output_tokens === 'number') {
    candidate.tokens_used = candidate.input_tokens + candidate.output_tokens;
  }
  candidate.usage_source ??= 'reported';
  // user_mode applies to a user the caller names too; `none` skips the look-up altogether.
  const user = config.user_mode === 'none' ? '' : (candidate.user ?? resolveUser(loaded, env));
  candidate.user = typeof user === 'string' ? userForLedger(user, config.user_mode) : user;
  if (typeof input.prompt_text === 'string') candidate.prompt_text = promptToStore(input.prompt_text, config);
  else candidate.prompt_text ??= '';
  return candidate;
}

/**
 * Validates and appends one record. Throws a ValidationError (nothing
 * written) when any rule is broken; returns `disabled` when tracking is off.
 */
export async function recordTransaction(input: RecordInput, options: RecordOptions = {}): Promise<RecordResult> {
  const [result] = await recordTransactions([input], options);
  return result as RecordResult;
}

/**
 * Validates every input first and writes nothing unless all are valid; then
 * appends each record with its own write, as separate hook calls would.
 */
export async function recordTransactions(inputs: readonly RecordInput[], options: RecordOptions = {}): Promise<RecordResult[]> {
  const env = options.env ?? process.env;
  const loaded = options.loaded ?? loadConfig({ cwd: options.cwd, env });
  if (!isTrackingEnabled(loaded.config)) {
    const reason = `tracking is disabled by configuration (${loaded.sources.join(', ') || 'defaults'})`;
    return inputs.map(() => ({ status: 'disabled', reason }));
  }
  const now = options.now ?? new Date();
  const context = { now, maxAgeDays: loaded.config.max_age_days };
  const records = inputs.map((input, index) =>
    withRecordIndex(index, inputs.length, () => validateRecord(completeRecord(input, loaded, now, env), context)),
  );
  const path = options.csvPath ?? loaded.ledgerPath;
  const results: RecordResult[] = [];
  for (const record of records) {
    const delivery = await deliverRecord(path, record, { config: loaded.config, env });
    results.push({ ...delivery, record });
  }
  return results;
}

/** In a batch, says which record broke a rule. */
function withRecordIndex<T>(index: number, total: number, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (total > 1 && error instanceof ValidationError) {
      throw new ValidationError('INVALID_RECORD', `Record ${index + 1} of ${total} was rejected and nothing was written`, error.issues, error.hint);
    }
    throw error;
  }
}
