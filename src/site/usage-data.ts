/**
 * The data step of the usage report pages (/runbook/usage/): picks the
 * ledger, reads it once per build and aggregates it with the same
 * UsageAggregator as `track report`, so the pages and the terminal agree.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  NO_ERROR_KEY,
  UsageAggregator,
  loadConfig,
  readAllParts,
  type GroupKey,
  type LedgerRecord,
  type UsageGroup,
  type UsageStats,
} from '../lib/tracker/index.ts';

/** Groups the pages show; `error` groups rows by error message. */
export const PAGE_GROUP_KEYS = ['day', 'model', 'hook', 'trigger', 'workspace', 'session', 'error'] as const satisfies readonly GroupKey[];
type PageGroupKey = (typeof PAGE_GROUP_KEYS)[number];

/** The newest errors kept for the errors page; older ones only count in the groups. */
export const RECENT_ERROR_LIMIT = 50;

/** Relative to the project root, where `astro build` runs. */
export const SAMPLE_LEDGER = 'src/data/sample-ledger.csv';

export type LedgerSource = 'TOKEN_LEDGER_CSV' | 'config' | 'sample';

export interface LedgerChoice {
  path: string;
  source: LedgerSource;
}

export type RecentError = Pick<
  LedgerRecord,
  'timestamp' | 'session_id' | 'workspace_folder' | 'hook_name' | 'model' | 'error_message' | 'prompt_text' | 'transaction_id'
>;

export interface UsageData {
  /** The ledger's file name only: a full path would publish a local folder layout. */
  ledgerName: string;
  ledgerSource: LedgerSource;
  invalidRows: number;
  totals: UsageStats;
  groups: Record<Exclude<PageGroupKey, 'error'>, UsageGroup[]>;
  /** Failed transactions grouped by error message, most tokens first. */
  errorsByMessage: UsageGroup[];
  /** Newest first. */
  recentErrors: RecentError[];
}

/**
 * The ledger the site reports on: TOKEN_LEDGER_CSV when set (it must exist),
 * else the ledger the tracker config names when it exists, else the sample
 * shipped in the repo, so a fresh clone builds a full site.
 */
export function chooseLedger(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): LedgerChoice {
  const loaded = loadConfig({ cwd, env });
  if (env.TOKEN_LEDGER_CSV) return { path: loaded.ledgerPath, source: 'TOKEN_LEDGER_CSV' };
  if (existsSync(loaded.ledgerPath)) return { path: loaded.ledgerPath, source: 'config' };
  return { path: resolve(cwd, SAMPLE_LEDGER), source: 'sample' };
}

/** Streams every file of the ledger (rotated parts, then the live file) once; invalid rows are counted and left out, as `track report` does. */
export async function readUsage(choice: LedgerChoice): Promise<UsageData> {
  const aggregator = new UsageAggregator({ groupBy: PAGE_GROUP_KEYS });
  const recent = new RecentErrors(RECENT_ERROR_LIMIT);
  let invalidRows = 0;
  for await (const row of readAllParts(choice.path)) {
    if (!row.ok) {
      invalidRows += 1;
      continue;
    }
    aggregator.add(row.record);
    if (row.record.error_occurred) recent.add(row.record);
  }
  const { totals, groups } = aggregator.report();
  const group = (key: PageGroupKey) => groups[key] ?? [];
  return {
    ledgerName: basename(choice.path),
    ledgerSource: choice.source,
    invalidRows,
    totals,
    groups: {
      day: group('day'),
      model: group('model'),
      hook: group('hook'),
      trigger: group('trigger'),
      workspace: group('workspace'),
      session: group('session'),
    },
    errorsByMessage: group('error').filter((entry) => entry.key !== NO_ERROR_KEY),
    recentErrors: recent.newestFirst(),
  };
}

/** The newest `limit` errors of a stream in any order, in bounded memory. */
class RecentErrors {
  private entries: RecentError[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(record: LedgerRecord): void {
    const { timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id } = record;
    this.entries.push({ timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id });
    // Trim in batches so a long run of errors costs one sort per `limit` rows.
    if (this.entries.length >= this.limit * 2) this.entries = this.newestFirst();
  }

  newestFirst(): RecentError[] {
    return this.entries.sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, this.limit);
  }
}

let usage: Promise<UsageData> | undefined;

/** The build's usage data: every usage page awaits the same single read of the ledger. */
export function loadUsageData(): Promise<UsageData> {
  usage ??= readUsage(chooseLedger());
  return usage;
}

/** A group with no transactions, for a day on which nothing was recorded. */
function emptyGroup(key: string): UsageGroup {
  return {
    key,
    transactions: 0,
    tokens_used: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_read_tokens: 0,
    cost_usd: 0,
    unpriced_transactions: 0,
    errors: 0,
    error_rate: null,
    elapsed_p50: null,
    elapsed_p95: null,
    cache_read_share: null,
    first_timestamp: null,
    last_timestamp: null,
  };
}

/** Day groups with the quiet days between them filled in, so a daily chart's axis is true to time. */
export function withEmptyDays(days: readonly UsageGroup[]): UsageGroup[] {
  const filled: UsageGroup[] = [];
  for (const day of days) {
    const previous = filled.at(-1);
    if (previous) {
      for (let time = Date.parse(previous.key) + 86_400_000; time < Date.parse(day.key); time += 86_400_000) {
        filled.push(emptyGroup(new Date(time).toISOString().slice(0, 10)));
      }
    }
    filled.push(day);
  }
  return filled;
}
