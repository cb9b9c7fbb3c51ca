import { defineCommand } from 'citty';
import { parseArgs } from 'node:util';
import {
  DEFAULT_OTLP_TIMEOUT_MS,
  EXPORT_FORMATS,
  MAINTENANCE_LOCK_TIMEOUT_MS,
  exportLedger,
  exportOtlp,
  type ExportCounts,
  type ExportFormat,
} from '../../lib/tracker/index.ts';
import { ledgerSources } from '../_ledgers.ts';
import { csvListArg, EXIT, ledgerTarget, numberFlag, printJson, UsageError } from '../_shared.ts';

const FORMATS = [...EXPORT_FORMATS, 'otlp'] as const;
type Format = (typeof FORMATS)[number];
const OTLP_ONLY_FLAGS = ['endpoint', 'header', 'cursor', 'timeout'] as const;
const MAX_TIMEOUT_SECONDS = 600;

async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Every --header K=V: citty keeps only the last of a repeated flag. */
function headersOf(rawArgs: readonly string[]): Record<string, string> {
  const { values } = parseArgs({ args: [...rawArgs], options: { header: { type: 'string', multiple: true } }, strict: false, allowPositionals: true });
  const headers: Record<string, string> = {};
  for (const entry of values.header ?? []) {
    const text = String(entry);
    const separator = text.indexOf('=');
    const name = separator > 0 ? text.slice(0, separator).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header must be NAME=VALUE with an HTTP header name, like "Authorization=Bearer TOKEN" (got ${JSON.stringify(text)})`);
    headers[name] = text.slice(separator + 1);
  }
  return headers;
}

function timeoutMsOf(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_OTLP_TIMEOUT_MS;
  const seconds = numberFlag(flag);
  if (typeof seconds !== 'number' || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (got ${JSON.stringify(flag)})`);
  }
  return Math.round(seconds * 1000);
}

export default defineCommand({
  meta: {
    name: 'export',
    description:
      'Print the valid rows of every ledger file as CSV (formula cells guarded for spreadsheets), JSON or JSON Lines, or send the rows not sent before to an OpenTelemetry collector (--format otlp)',
  },
  args: {
    format: { type: 'string', description: `Output format: ${FORMATS.join('|')} (default csv)`, valueHint: 'FORMAT' },
    raw: { type: 'boolean', description: 'CSV only: keep cells starting with = + - @ tab CR as they are (no leading apostrophe)' },
    json: { type: 'boolean', description: 'Same as --format json; with --format otlp, print the counts as JSON' },
    endpoint: { type: 'string', description: 'otlp: the collector\'s OTLP/HTTP base URL, like http://localhost:4318 (/v1/logs and /v1/metrics are added)', valueHint: 'URL' },
    header: { type: 'string', description: 'otlp: an HTTP header for every request, like "Authorization=Bearer TOKEN"; repeatable', valueHint: 'NAME=VALUE' },
    cursor: { type: 'string', description: 'otlp: the file recording what was sent (default: <ledger>.otlp-cursor.json); one per collector', valueHint: 'PATH' },
    timeout: { type: 'string', description: `otlp: seconds to wait for each request, retries included (default ${DEFAULT_OTLP_TIMEOUT_MS / 1000})`, valueHint: 'SECONDS' },
    ...csvListArg,
  },
  async run({ args, rawArgs }) {
    const format = (args.format === 'otlp' ? 'otlp' : args.json ? 'json' : (args.format ?? 'csv')) as Format;
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(args.format)})`);
    if (format === 'otlp') {
      // One ledger per cursor: OTLP export takes exactly one.
      const { path } = ledgerTarget(args.csv);
      if (!args.endpoint) throw new UsageError('--format otlp needs --endpoint URL, the collector\'s OTLP/HTTP base URL, like http://localhost:4318');
      const result = await exportOtlp(path, {
        endpoint: args.endpoint,
        headers: headersOf(rawArgs),
        cursorPath: args.cursor,
        timeoutMs: timeoutMsOf(args.timeout),
        lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS,
      });
      if (result.skipped > 0) process.stderr.write(`token-ledger: left out ${result.skipped} invalid row(s); \`token-ledger validate\` lists them\n`);
      if (args.json) {
        printJson({ records_sent: result.records, metric_points: result.metricPoints, skipped: result.skipped, total_sent: result.totalSent, cursor: result.cursor });
      } else {
        process.stdout.write(`sent ${result.records} log record(s) and ${result.metricPoints} metric point(s) to ${args.endpoint}; ${result.totalSent} row(s) sent in all (cursor ${result.cursor})\n`);
      }
      return EXIT.ok;
    }
    const misplaced = OTLP_ONLY_FLAGS.filter((flag) => args[flag] !== undefined);
    if (misplaced.length > 0) throw new UsageError(`${misplaced.map((flag) => `--${flag}`).join(', ')} only go with --format otlp`);
    // A reader that stops early (`| head`) is not an error.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.ok);
      throw error;
    });
    const { paths } = ledgerSources(args.csv);
    const counts: ExportCounts = { exported: 0, skipped: 0, duplicates: 0 };
    for await (const chunk of exportLedger(paths, format as ExportFormat, { raw: Boolean(args.raw), counts })) await writeOut(chunk);
    if (counts.skipped > 0) process.stderr.write(`token-ledger: left out ${counts.skipped} invalid row(s); \`token-ledger validate\` lists them\n`);
    if (counts.duplicates > 0) {
      process.stderr.write(`token-ledger: left out ${counts.duplicates} row(s) whose transaction ids an earlier ledger has (each transaction once)\n`);
    }
    return EXIT.ok;
  },
});
