/**
 * The data step of the usage report pages (/runbook/usage/): picks the
 * ledgers, reads them once per build and aggregates them with the same
 * aggregateLedger as `track report` (its cache included), so the pages and
 * the terminal agree.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { NO_ERROR_KEY, aggregateLedger, ledgerNames, loadConfig, resolveLedgers, type GroupKey, type RecentError, type UsageGroup, type UsageStats } from '../lib/tracker/index.ts';

/** Groups the pages show; `error` groups rows by error message. */
export const PAGE_GROUP_KEYS = ['day', 'model', 'hook', 'trigger', 'workspace', 'session', 'error'] as const satisfies readonly GroupKey[];
type PageGroupKey = (typeof PAGE_GROUP_KEYS)[number];

/** The newest errors kept for the errors page; older ones only count in the groups. */
export const RECENT_ERROR_LIMIT = 50;

/** Relative to the project root, where `astro build` runs. */
export const SAMPLE_LEDGER = 'src/data/sample-ledger.csv';

export type LedgerSource = 'TOKEN_LEDGER_CSV' | 'config' | 'sample';

export interface LedgerChoice {
  /** One ledger or several (TOKEN_LEDGER_CSV and csv_file_path may list paths and globs). */
  paths: string[];
  source: LedgerSource;
}

export type { RecentError };

export interface UsageData {
  /** The ledgers' file names only: a full path would publish a local folder layout. */
  ledgerNames: string[];
  ledgerSource: LedgerSource;
  invalidRows: number;
  /** Rows left out because an earlier ledger has their transaction id. */
  duplicateRows: number;
  totals: UsageStats;
  groups: Record<Exclude<PageGroupKey, 'error'>, UsageGroup[]>;
  /** Failed transactions grouped by error message, most tokens first. */
  errorsByMessage: UsageGroup[];
  /** Newest first. */
  recentErrors: RecentError[];
}

/**
 * The ledgers the site reports on: TOKEN_LEDGER_CSV when set (they must
 * exist), else those the tracker config names when one exists, else the
 * sample shipped in the repo, so a fresh clone builds a full site.
 */
export function chooseLedger(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): LedgerChoice {
  const loaded = loadConfig({ cwd, env });
  if (env.TOKEN_LEDGER_CSV) return { paths: resolveLedgers(env.TOKEN_LEDGER_CSV, loaded.root, 'TOKEN_LEDGER_CSV'), source: 'TOKEN_LEDGER_CSV' };
  const configured = resolveConfigured(loaded.config.csv_file_path, loaded.root);
  if (configured.length > 0) return { paths: configured, source: 'config' };
  return { paths: [resolve(cwd, SAMPLE_LEDGER)], source: 'sample' };
}

/** The configured ledgers that exist; none when the setting names nothing there yet. */
function resolveConfigured(spec: string, root: string): string[] {
  try {
    return resolveLedgers(spec, root, 'csv_file_path').filter((path) => existsSync(path));
  } catch {
    return [];
  }
}

/** Reads every file of the ledgers (rotated parts, then the live file), from the report cache where it can; invalid rows are counted and left out, as `track report` does. */
export async function readUsage(choice: LedgerChoice): Promise<UsageData> {
  const { report, invalidRows, duplicateRows } = await aggregateLedger(choice.paths, {
    aggregate: { groupBy: PAGE_GROUP_KEYS, recentErrors: RECENT_ERROR_LIMIT },
    // The sample is small and lives in the repository, which should not gain a cache folder.
    cache: choice.source !== 'sample',
  });
  const { totals, groups } = report;
  const group = (key: PageGroupKey) => groups[key] ?? [];
  return {
    ledgerNames: ledgerNames(choice.paths),
    ledgerSource: choice.source,
    invalidRows,
    duplicateRows,
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
    recentErrors: report.recentErrors,
  };
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
