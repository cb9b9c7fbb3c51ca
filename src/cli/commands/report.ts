import { defineCommand } from 'citty';
import { availableParallelism } from 'node:os';
import { GROUP_KEYS, aggregateLedger, configuredTimeZone, costCoverage, isTimeZone, parseDateBound, pricingFor, unpricedModels, type GroupKey, type UsageStats } from '../../lib/tracker/index.ts';
import { ledgerSources } from '../_ledgers.ts';
import { csvListArg, EXIT, formatCount, formatTable, jsonArg, printJson, UsageError } from '../_shared.ts';

function formatStats(key: string, stats: UsageStats): string[] {
  const coverage = costCoverage(stats);
  const cost = coverage === 'unpriced' ? 'unpriced' : `$${stats.cost_usd.toFixed(4)}${coverage === 'partial' ? '*' : ''}`;
  return [
    key,
    formatCount(stats.transactions),
    formatCount(stats.tokens_used),
    formatCount(stats.input_tokens),
    formatCount(stats.output_tokens),
    formatCount(stats.cache_creation_tokens),
    formatCount(stats.cache_read_tokens),
    cost,
    stats.error_rate === null ? '-' : `${(stats.error_rate * 100).toFixed(1)}%`,
    stats.elapsed_p50 === null ? '-' : stats.elapsed_p50.toFixed(3),
    stats.elapsed_p95 === null ? '-' : stats.elapsed_p95.toFixed(3),
    stats.cache_read_share === null ? '-' : `${(stats.cache_read_share * 100).toFixed(1)}%`,
  ];
}

const HEADER = ['', 'txns', 'tokens', 'input', 'output', 'cache write', 'cache read', 'cost USD', 'error rate', 'p50 s', 'p95 s', 'cache read share'];

export default defineCommand({
  meta: { name: 'report', description: 'Totals and groups of token usage, cost, errors and elapsed time' },
  args: {
    by: { type: 'string', description: `Group by ${GROUP_KEYS.join('|')}`, valueHint: 'KEY' },
    since: { type: 'string', description: 'Only rows at or after this day (YYYY-MM-DD, from midnight in the zone) or timestamp', valueHint: 'DATE' },
    until: { type: 'string', description: 'Only rows up to the end of this day or before this timestamp', valueHint: 'DATE' },
    timezone: {
      type: 'string',
      description: "Zone of days, weeks, months and plain dates: an IANA name like Europe/Berlin, or UTC (default: the timezone setting, else the machine's zone)",
      valueHint: 'ZONE',
    },
    ...csvListArg,
    ...jsonArg,
  },
  async run({ args }) {
    const by = args.by as string | undefined;
    if (by !== undefined && !(GROUP_KEYS as readonly string[]).includes(by)) {
      throw new UsageError(`--by must be one of ${GROUP_KEYS.join(', ')} (got ${JSON.stringify(by)})`);
    }
    const groupKey = by as GroupKey | undefined;
    const givenZone = args.timezone as string | undefined;
    if (givenZone !== undefined && !isTimeZone(givenZone)) {
      throw new UsageError(`--timezone: ${JSON.stringify(givenZone)} is not a time zone; give an IANA name like Europe/Berlin or America/New_York, or UTC`);
    }
    const { loaded, paths } = ledgerSources(args.csv);
    const timeZone = givenZone ?? configuredTimeZone(loaded.config);
    const { report, invalidRows, files, duplicateRows } = await aggregateLedger(paths, {
      aggregate: {
        groupBy: groupKey ? [groupKey] : [],
        since: args.since ? parseDateBound(args.since, 'since', timeZone) : undefined,
        until: args.until ? parseDateBound(args.until, 'until', timeZone) : undefined,
        timeZone,
      },
      threads: availableParallelism(),
    });
    const named = paths.join(', ');
    // Text output says on stderr what it read, so stdout stays the table; --json lists the files in `files`.
    if (!args.json) process.stderr.write(`token-ledger: read ${files.join(', ')}\n`);
    if (invalidRows > 0) {
      process.stderr.write(`token-ledger: skipped ${invalidRows} invalid rows of ${named}; run \`token-ledger validate\` to list them\n`);
    }
    if (duplicateRows > 0) {
      process.stderr.write(`token-ledger: left out ${duplicateRows} rows whose transaction ids an earlier ledger has (each transaction counts once)\n`);
    }
    const groups = groupKey ? (report.groups[groupKey] ?? []) : [];
    // By model, the groups say which models have unpriced rows; the price table says which of them it lacks.
    const unpriced = groupKey === 'model' ? unpricedModels(groups, pricingFor(loaded)) : undefined;
    if (args.json) {
      printJson({ totals: report.totals, groups, ...(groupKey ? { by: groupKey } : {}), time_zone: timeZone, ...(unpriced ? { unpriced_models: unpriced } : {}), invalid_rows: invalidRows, duplicate_rows: duplicateRows, files });
      return EXIT.ok;
    }
    if (report.totals.transactions === 0) {
      process.stdout.write(`No usage recorded in ${named}${args.since || args.until ? ' for that period' : ''}.\n`);
      return EXIT.ok;
    }
    const rows = groups.map((group) => formatStats(group.key, group));
    rows.push(formatStats('TOTAL', report.totals));
    process.stdout.write(`${formatTable([groupKey ?? '', ...HEADER.slice(1)], rows)}\n`);
    if (report.totals.unpriced_transactions > 0) {
      process.stdout.write(`* ${report.totals.unpriced_transactions} transactions have no price (a model not in the pricing table, or no token counts); their cost is not included.\n`);
      if (unpriced && unpriced.length > 0) {
        process.stdout.write(`  Not in the pricing table: ${unpriced.join(', ')}. Add them to a pricing.file override, then run \`token-ledger reprice\`.\n`);
      }
    }
    return EXIT.ok;
  },
});
