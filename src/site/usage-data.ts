/**
 * The data step of the usage report pages (/runbook/usage/): picks the
 * ledgers, reads them once per build and aggregates them with the same
 * UsageAggregator as `track report`, so the pages and the terminal agree
 * (a transaction id in two ledgers counts once, as in `track report`);
 * folds them into the day × dimension buckets the overview embeds
 * (usage-buckets.ts); and reads them a second time for the rows of the
 * sessions that get a page of their own.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { costUnitsOf } from '../lib/tracker/numbers.ts';
import {
  NO_ERROR_KEY,
  UsageAggregator,
  ZoneCalendar,
  configuredTimeZone,
  groupKeyOf,
  ledgerNames,
  loadConfig,
  pricingFor,
  readAllParts,
  resolveLedgers,
  unpricedModels,
  type GroupKey,
  type LoadedConfig,
  type Pricing,
  type LedgerRecord,
  type UsageGroup,
  type UsageStats,
} from '../lib/tracker/index.ts';
import { BucketBuilder, DIMENSIONS, type DimensionKey, type EmbeddedUsage, type Measures } from './usage-buckets.ts';

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
  /** The configuration the build runs under: prices, budget, how many session pages. */
  loaded: LoadedConfig;
}

/** The newest rows kept for a session's page; older ones only count in its totals. */
export const SESSION_ROW_LIMIT = 100;

export type SessionRow = Pick<
  LedgerRecord,
  'timestamp' | 'model' | 'hook_name' | 'tokens_used' | 'cost_usd' | 'error_occurred' | 'error_message' | 'prompt_text' | 'transaction_id'
>;

export interface SessionDetail {
  totals: UsageGroup;
  byModel: UsageGroup[];
  /** Newest first, at most SESSION_ROW_LIMIT. */
  rows: SessionRow[];
}

export type RecentError = Pick<
  LedgerRecord,
  'timestamp' | 'session_id' | 'workspace_folder' | 'hook_name' | 'model' | 'error_message' | 'prompt_text' | 'transaction_id'
>;

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
  /** The day × dimension buckets the overview embeds and filters. */
  embedded: EmbeddedUsage;
  /** The `site.top_sessions` sessions with the most cost, most first, each with its rows. */
  topSessions: SessionDetail[];
  /** Models with rows that no price table knows, by name (never shown as $0). */
  unpricedModels: string[];
}

/**
 * The ledgers the site reports on: TOKEN_LEDGER_CSV when set (they must
 * exist), else those the tracker config names when one exists, else the
 * sample shipped in the repo, so a fresh clone builds a full site.
 */
export function chooseLedger(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): LedgerChoice {
  const loaded = loadConfig({ cwd, env });
  if (env.TOKEN_LEDGER_CSV) return { paths: resolveLedgers(env.TOKEN_LEDGER_CSV, loaded.root, 'TOKEN_LEDGER_CSV'), source: 'TOKEN_LEDGER_CSV', loaded };
  const configured = resolveConfigured(loaded.config.csv_file_path, loaded.root);
  if (configured.length > 0) return { paths: configured, source: 'config', loaded };
  return { paths: [resolve(cwd, SAMPLE_LEDGER)], source: 'sample', loaded };
}

/** The configured ledgers that exist; none when the setting names nothing there yet. */
function resolveConfigured(spec: string, root: string): string[] {
  try {
    return resolveLedgers(spec, root, 'csv_file_path').filter((path) => existsSync(path));
  } catch {
    return [];
  }
}

/**
 * The valid rows of every ledger, each file's rotated parts then its live
 * file; a row whose transaction id an earlier ledger holds is counted in
 * `counts.duplicates` and left out, as `track report` does.
 */
async function* readLedgers(paths: readonly string[], counts: { invalid: number; duplicates: number }): AsyncGenerator<LedgerRecord> {
  const earlier = new Set<string>();
  for (const path of paths) {
    const here: string[] = [];
    for await (const row of readAllParts(path)) {
      if (!row.ok) {
        counts.invalid += 1;
        continue;
      }
      if (earlier.has(row.record.transaction_id)) {
        counts.duplicates += 1;
        continue;
      }
      if (paths.length > 1) here.push(row.record.transaction_id);
      yield row.record;
    }
    for (const id of here) earlier.add(id);
  }
}

/** Streams the ledgers once; invalid rows are counted and left out, as `track report` does. */
export async function readUsage(choice: LedgerChoice): Promise<UsageData> {
  const timeZone = configuredTimeZone(choice.loaded.config);
  const calendar = new ZoneCalendar(timeZone);
  const aggregator = new UsageAggregator({ groupBy: PAGE_GROUP_KEYS, timeZone });
  const recent = new NewestFirst<RecentError>(RECENT_ERROR_LIMIT);
  const buckets = new BucketBuilder();
  const pricing = pricingFor(choice.loaded);
  const measure = measurer(pricing);
  const counts = { invalid: 0, duplicates: 0 };
  for await (const record of readLedgers(choice.paths, counts)) {
    aggregator.add(record);
    buckets.add(calendar.dayOf(record.timestamp), DIMENSION_EXTRACTORS.map((valueOf) => valueOf(record)), measure(record));
    if (record.error_occurred) recent.add(recentError(record));
  }
  const { totals, groups } = aggregator.report();
  const group = (key: PageGroupKey) => groups[key] ?? [];
  const topSessions = await readSessions(
    choice.paths,
    [...group('session')].sort((a, b) => b.cost_usd - a.cost_usd || b.tokens_used - a.tokens_used).slice(0, choice.loaded.config.site.top_sessions),
  );
  return {
    ledgerNames: ledgerNames(choice.paths),
    ledgerSource: choice.source,
    invalidRows: counts.invalid,
    duplicateRows: counts.duplicates,
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
    embedded: buckets.finish(choice.loaded.config.site.budget_usd_month, timeZone),
    topSessions,
    unpricedModels: unpricedModels(group('model'), pricing),
  };
}

/** How each dimension of the buckets reads a record. */
const DIMENSION_VALUE: Record<DimensionKey, (record: LedgerRecord) => string> = {
  model: (record) => groupKeyOf(record, 'model'),
  workspace: (record) => groupKeyOf(record, 'workspace'),
  hook: (record) => groupKeyOf(record, 'hook'),
  trigger: (record) => groupKeyOf(record, 'trigger'),
  user: (record) => record.user ?? '',
};
const DIMENSION_EXTRACTORS = DIMENSIONS.map(({ key }) => DIMENSION_VALUE[key]);

/** A record's bucket measures; the cache saving is priced with the build's price table (user overrides included). */
function measurer(pricing: Pricing): (record: LedgerRecord) => Measures {
  const savingRates = new Map<string, number>();
  const savingRate = (model: string) => {
    let rate = savingRates.get(model);
    if (rate === undefined) {
      const price = pricing.lookup(model)?.price;
      rate = price ? Math.max(0, price.input - price.cache_read) / 1_000_000 : 0;
      savingRates.set(model, rate);
    }
    return rate;
  };
  return (record) => ({
    transactions: 1,
    errors: record.error_occurred ? 1 : 0,
    unpriced: record.cost_usd === null ? 1 : 0,
    tokens: record.tokens_used,
    input: record.input_tokens ?? 0,
    output: record.output_tokens ?? 0,
    cacheWrite: record.cache_creation_tokens ?? 0,
    cacheRead: record.cache_read_tokens ?? 0,
    costUnits: record.cost_usd === null ? 0 : costUnitsOf(record.cost_usd),
    savedUnits: record.cost_usd === null ? 0 : costUnitsOf((record.cache_read_tokens ?? 0) * savingRate(record.model)),
  });
}

function recentError(record: LedgerRecord): RecentError {
  const { timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id } = record;
  return { timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id };
}

function sessionRow(record: LedgerRecord): SessionRow {
  const { timestamp, model, hook_name, tokens_used, cost_usd, error_occurred, error_message, prompt_text, transaction_id } = record;
  return { timestamp, model, hook_name, tokens_used, cost_usd, error_occurred, error_message, prompt_text, transaction_id };
}

/** The second read: rows and models of the chosen sessions only, in bounded memory. */
async function readSessions(paths: readonly string[], chosen: readonly UsageGroup[]): Promise<SessionDetail[]> {
  if (chosen.length === 0) return [];
  const sessions = new Map(chosen.map((totals) => [totals.key, { totals, models: new UsageAggregator({ groupBy: ['model'] }), rows: new NewestFirst<SessionRow>(SESSION_ROW_LIMIT) }]));
  for await (const record of readLedgers(paths, { invalid: 0, duplicates: 0 })) {
    const session = sessions.get(record.session_id);
    if (!session) continue;
    session.models.add(record);
    session.rows.add(sessionRow(record));
  }
  return [...sessions.values()].map((session) => ({ totals: session.totals, byModel: session.models.report().groups.model ?? [], rows: session.rows.newestFirst() }));
}

/** The newest `limit` entries of a stream in any order, in bounded memory. */
class NewestFirst<Entry extends { timestamp: string }> {
  private entries: Entry[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(entry: Entry): void {
    this.entries.push(entry);
    // Trim in batches so a long run costs one sort per `limit` entries.
    if (this.entries.length >= this.limit * 2) this.entries = this.newestFirst();
  }

  newestFirst(): Entry[] {
    return this.entries.sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, this.limit);
  }
}

let usage: Promise<UsageData> | undefined;

/** The build's usage data: every usage page awaits the same single read of the ledger. */
export function loadUsageData(): Promise<UsageData> {
  usage ??= readUsage(chooseLedger());
  return usage;
}

/** The static CSV of the day × model table, written at build time (src/pages/runbook/usage/usage-by-day-and-model.csv.ts). */
export const DAY_MODEL_CSV = '/runbook/usage/usage-by-day-and-model.csv';

/** The page of one of the `site.top_sessions` costliest sessions. Session ids are `[A-Za-z0-9_-]`, safe in a path. */
export function sessionHref(sessionId: string): string {
  return `/runbook/usage/sessions/${sessionId}/`;
}
