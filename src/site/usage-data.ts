/**
 * The data step of the usage report pages (/runbook/usage/): picks the
 * ledgers and reads them once per build through `aggregateLedger`, as
 * `track report` does, with the same report cache beside each ledger, so a
 * rebuild reads only the rows appended since the last one and the pages and
 * the terminal agree (a transaction id in two ledgers counts once). The same
 * read sums the day × dimension cells the overview embeds as buckets
 * (usage-buckets.ts) and notes where each session's rows are, so the rows of
 * the sessions that get a page of their own (known only once the read has
 * ranked them) are read again alone, not with the whole ledger.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { costUnitsOf } from '../lib/tracker/numbers.ts';
import {
  CELL_MEASURES,
  NO_ERROR_KEY,
  aggregateLedger,
  configuredTimeZone,
  ledgerNames,
  loadConfig,
  pricingFor,
  readSessionRows,
  resolveLedgers,
  unpricedModels,
  type CellTable,
  type GroupKey,
  type LedgerScan,
  type LedgerScanOptions,
  type LoadedConfig,
  type Pricing,
  type RecentError,
  type SessionRow,
  type UsageGroup,
  type UsageStats,
} from '../lib/tracker/index.ts';
import { DIMENSIONS, MEASURES, NO_FILTERS, foldBuckets, todayIn, usageView, type DimensionKey, type EmbeddedUsage, type UsageView } from './usage-buckets.ts';

export type { RecentError, SessionRow };

/**
 * Groups the pages take from the report (the rest of their figures come from the buckets): `model` names the
 * unpriced models, `session` ranks the sessions, `error` groups rows by error message.
 */
export const PAGE_GROUP_KEYS = ['model', 'session', 'error'] as const satisfies readonly GroupKey[];
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

export interface SessionDetail {
  totals: UsageGroup;
  byModel: UsageGroup[];
  /** Newest first, at most SESSION_ROW_LIMIT. */
  rows: SessionRow[];
}

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

/** What the overview's cells are keyed by: the day, then each dimension (their keys are group keys). */
const CELLS_BY = ['day', ...DIMENSIONS.map(({ key }) => key)] as const satisfies readonly GroupKey[];

export interface ReadUsageOptions {
  /** Use and update the report cache beside each ledger (default true); false reads every row and writes nothing. */
  cache?: boolean;
  /** Worker threads for the ledger reads (default: one per core). */
  threads?: number;
}

/** Reads the ledgers once (then only the top sessions' rows again); invalid rows are counted and left out, as `track report` does. */
export async function readUsage(choice: LedgerChoice, options: ReadUsageOptions = {}): Promise<UsageData> {
  const timeZone = configuredTimeZone(choice.loaded.config);
  const scanOptions: LedgerScanOptions = {
    cache: options.cache ?? true,
    threads: options.threads ?? availableParallelism(),
    // One clock for both reads: a row the first judged to be in the future is not on a session's page.
    now: new Date(),
    locateSessions: true,
    // Astro's heap is large: collecting the read's garbage there costs more than in workers of its own.
    workersOnly: true,
    // The pages show percentiles of the whole ledger only: groups need no elapsed times (a cache of a 500k-row ledger 12 MB smaller).
    aggregate: { groupBy: PAGE_GROUP_KEYS, groupPercentiles: false, timeZone, recentErrors: RECENT_ERROR_LIMIT, cellsBy: CELLS_BY },
  };
  const scan = await aggregateLedger(choice.paths, scanOptions);
  const { totals, groups, recentErrors, cells } = scan.report;
  const group = (key: PageGroupKey) => groups[key] ?? [];
  const pricing = pricingFor(choice.loaded);
  const chosen = firstBy(group('session'), choice.loaded.config.site.top_sessions, (a, b) => b.cost_usd - a.cost_usd || b.tokens_used - a.tokens_used);
  return {
    ledgerNames: ledgerNames(choice.paths),
    ledgerSource: choice.source,
    invalidRows: scan.invalidRows,
    duplicateRows: scan.duplicateRows,
    totals,
    groups: { model: group('model'), session: group('session') },
    errorsByMessage: group('error').filter((entry) => entry.key !== NO_ERROR_KEY),
    recentErrors,
    embedded: embedCells(cells, pricing, choice.loaded.config.site.budget_usd_month, timeZone),
    topSessions: await readSessions(choice.paths, scan, chosen, scanOptions),
    unpricedModels: unpricedModels(group('model'), pricing),
  };
}

/** The first `count` of `items` in `order`, as a stable sort would give them: one pass, not a sort of every session of a year. */
export function firstBy<Item>(items: readonly Item[], count: number, order: (a: Item, b: Item) => number): Item[] {
  const kept: Item[] = [];
  if (count <= 0) return kept;
  for (const item of items) {
    if (kept.length === count && order(item, kept[count - 1]!) >= 0) continue;
    // After every kept item it does not come before: equal items keep their order.
    let at = kept.length;
    while (at > 0 && order(item, kept[at - 1]!) < 0) at -= 1;
    kept.splice(at, 0, item);
    if (kept.length > count) kept.pop();
  }
  return kept;
}

/**
 * The cells as the overview's buckets: days ascending (the oldest folded into months), each dimension's values in first-seen order.
 * The cache saving is priced here, with the build's price table (user overrides included), so the cached cells hold no price.
 */
function embedCells({ values, keys, sums }: CellTable, pricing: Pricing, budgetUsdMonth: number | null, timeZone: string): EmbeddedUsage {
  const width = CELLS_BY.length;
  const stride = CELL_MEASURES.length;
  const dayValues = values[0] ?? [];
  const days = [...dayValues].sort();
  const dayRank = dayValues.map((day) => days.indexOf(day));
  const models = values[CELLS_BY.indexOf('model')] ?? [];
  const savingRates = models.map((model) => {
    const price = pricing.lookup(model)?.price;
    return price ? Math.max(0, price.input - price.cache_read) / 1_000_000 : 0;
  });
  const cellMeasure = MEASURES.map((measure) => (measure === 'savedUnits' ? -1 : CELL_MEASURES.indexOf(MEASURE_OF_CELL[measure])));
  const pricedCacheRead = CELL_MEASURES.indexOf('pricedCacheRead');
  const modelPosition = CELLS_BY.indexOf('model');
  // The cells in day order, within a day in first-seen order (a counting sort), handed to the fold one by one:
  // an array per cell first, of a year's quarter of a million, cost more than the read of the appended rows.
  const cells = keys.length / width;
  const dayStarts = new Uint32Array(days.length + 1);
  for (let cell = 0; cell < cells; cell += 1) dayStarts[(dayRank[keys[cell * width] ?? 0] ?? 0) + 1]! += 1;
  for (let day = 1; day <= days.length; day += 1) dayStarts[day]! += dayStarts[day - 1]!;
  const order = new Uint32Array(cells);
  for (let cell = 0; cell < cells; cell += 1) order[dayStarts[dayRank[keys[cell * width] ?? 0] ?? 0]!++] = cell;
  const folded = foldBuckets(days, cells, (row, into) => {
    const cell = order[row]!;
    const at = cell * stride;
    const saving = savingRates[keys[cell * width + modelPosition] ?? 0] ?? 0;
    into[0] = dayRank[keys[cell * width] ?? 0] ?? 0;
    for (let position = 1; position < width; position += 1) into[position] = keys[cell * width + position] ?? 0;
    cellMeasure.forEach((measure, index) => (into[width + index] = measure === -1 ? costUnitsOf((sums[at + pricedCacheRead] ?? 0) * saving) : (sums[at + measure] ?? 0)));
  });
  return {
    days: folded.days,
    timeZone,
    values: Object.fromEntries(DIMENSIONS.map(({ key }, position) => [key, values[position + 1] ?? []])) as Record<DimensionKey, string[]>,
    buckets: folded.buckets,
    budgetUsdMonth,
  };
}

/** The cell measure each bucket measure is; the saving is priced from the cache reads of priced rows. */
const MEASURE_OF_CELL: Record<Exclude<(typeof MEASURES)[number], 'savedUnits'>, (typeof CELL_MEASURES)[number]> = {
  transactions: 'transactions',
  errors: 'errors',
  unpriced: 'unpriced',
  tokens: 'tokens',
  input: 'input',
  output: 'output',
  cacheWrite: 'cacheCreation',
  cacheRead: 'cacheRead',
  costUnits: 'costUnits',
};

/** The chosen sessions' models and newest rows: only their rows are read again, where the scan found them. */
async function readSessions(paths: readonly string[], scan: LedgerScan, chosen: readonly UsageGroup[], scanOptions: LedgerScanOptions): Promise<SessionDetail[]> {
  if (chosen.length === 0) return [];
  const sessions = chosen.map((totals) => totals.key);
  const details = new Map((await readSessionRows(paths, scan, { sessions, limit: SESSION_ROW_LIMIT }, scanOptions)).map((detail) => [detail.session, detail]));
  return chosen.map((totals) => ({ totals, byModel: details.get(totals.key)?.byModel ?? [], rows: details.get(totals.key)?.rows ?? [] }));
}

let usage: Promise<UsageData> | undefined;

/** The build's usage data: every usage page awaits the same single read of the ledger. */
export function loadUsageData(): Promise<UsageData> {
  usage ??= readUsage(chooseLedger());
  return usage;
}

export interface UnfilteredView {
  usage: UsageData;
  /** The build's today, in the data's zone: the date presets and the month's spend count from it. */
  today: string;
  view: UsageView;
}

let unfiltered: Promise<UnfilteredView> | undefined;

/** The figures of the whole ledger as served without filters: the overview, the errors page and the CSV share one (a year's buckets take ~0.25 s to sum). */
export function loadUnfilteredView(): Promise<UnfilteredView> {
  unfiltered ??= loadUsageData().then((data) => {
    const today = todayIn(data.embedded.timeZone);
    return { usage: data, today, view: usageView(data.embedded, NO_FILTERS, today) };
  });
  return unfiltered;
}

/** The static CSV of the day × model table, written at build time (src/pages/runbook/usage/usage-by-day-and-model.csv.ts). */
export const DAY_MODEL_CSV = '/runbook/usage/usage-by-day-and-model.csv';

/** The page of one of the `site.top_sessions` costliest sessions. Session ids are `[A-Za-z0-9_-]`, safe in a path. */
export function sessionHref(sessionId: string): string {
  return `/runbook/usage/sessions/${sessionId}/`;
}
