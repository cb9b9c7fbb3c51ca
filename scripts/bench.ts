/**
 * pnpm bench: the tracker's numbers, each printed against a baseline measured
 * in the same run (these machines are shared and noisy; ratios travel better
 * than milliseconds).
 *
 *   record   `token-ledger record` wall time p50/p95 over N runs vs bare `node -e ''`
 *   append   library appendRecords p50 per record, and records per second
 *   report   `report --json` over a generated ~100 MB ledger, no report cache: time
 *            and peak RSS above the same command on a one-row ledger, against
 *            csv-parse alone over the same file (the floor of any reader), seven
 *            rounds of one run each, the ratio the median of the rounds' ratios
 *   cache    `report --by day --json` over the same ledger: cold (no cache) against
 *            csv-parse alone, measured in turn the same way, then warm after
 *            appending 1,000 rows, time and peak RSS above the same command on
 *            a one-row ledger
 *   timezone `report --by day --json` over the same ledger, no cache: --timezone UTC
 *            against --timezone Europe/Berlin (the zone's offset looked up per hour)
 *   concurrency  10 processes x 1,000 records: rows lost, torn, duplicated
 *   import   Claude Code and Codex import speed and peak RSS (scripts/bench-import.ts)
 *   site     astro build time, sample ledger vs 500k rows cold and warm, embedded buckets, usage page JS (scripts/bench-site.ts)
 *   hooks    pnpm track record vs pnpm's start-up; the Stop hook init writes,
 *            empty vs 100 MB ledger (scripts/bench-hooks.ts)
 *
 *   node scripts/bench.ts [--runs 50] [--only record,append,report,timezone,cache,concurrency,import,site,hooks]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { SCAN_CACHE_DIR, appendRecords, percentile, validateRecord } from '../src/lib/tracker/index.ts';
import { fsyncPath } from '../src/lib/tracker/ledger/atomic.ts';
import { median, medianBy } from './_median.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    only: { type: 'string', default: 'record,append,report,timezone,cache,concurrency,import,site,hooks' },
  },
});
const runs = Number(values.runs);
const only = new Set(values.only.split(','));
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin', 'token-ledger.cjs');
const work = mkdtempSync(join(tmpdir(), 'tl-bench-'));
const node = process.execPath;

execFileSync(node, [join(root, 'scripts', 'build-cli.ts')], { stdio: 'inherit' });

function wallMs(command: string, args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TOKEN_LEDGER_CSV: '' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const format = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits));
const sortNumbers = (items: number[]) => [...items].sort((a, b) => a - b);

function benchRecord(): void {
  const ledger = join(work, 'record.csv');
  const bare: number[] = [];
  const record: number[] = [];
  const recordArgs = [cli, 'record', '--csv', ledger, '--prompt', 'bench prompt, with "quotes"', '--tokens', '1250', '--elapsed', '2.34', '--session', 'bench'];
  // Warm the compile cache once, as the first hook call of a day would.
  wallMs(node, recordArgs);
  for (let index = 0; index < runs; index += 1) {
    bare.push(wallMs(node, ['-e', '']));
    record.push(wallMs(node, recordArgs));
  }
  const bareSorted = sortNumbers(bare);
  const recordSorted = sortNumbers(record);
  const bareP50 = percentile(bareSorted, 0.5) ?? 0;
  const recordP50 = percentile(recordSorted, 0.5) ?? 0;
  console.log(`record   bare node -e '' p50 ${format(bareP50)} ms p95 ${format(percentile(bareSorted, 0.95))} ms (${runs} runs)`);
  console.log(`record   token-ledger record p50 ${format(recordP50)} ms p95 ${format(percentile(recordSorted, 0.95))} ms`);
  console.log(`record   ratio p50 record / bare node = ${format(recordP50 / bareP50, 2)}x (target <= 2x, and p50 < 150 ms)`);
}

async function benchAppend(): Promise<void> {
  const ledger = join(work, 'append.csv');
  const count = 2000;
  const times: number[] = [];
  const rules = { now: new Date(), maxAgeDays: 365 };
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index += 1) {
    const record = validateRecord(
      {
        timestamp: new Date().toISOString(),
        prompt_text: `append bench ${index}, "quoted"\nsecond line`,
        tokens_used: 1000 + index,
        elapsed_time: 1.5,
        session_id: 'bench',
        workspace_folder: 'bench',
        hook_trigger_type: 'manual',
        agent_execution_id: `exec-${index}`,
        file_patterns: '',
        hook_name: 'bench',
        error_occurred: false,
        error_message: '',
        transaction_id: `bench-${index}`,
        model: '',
        input_tokens: null,
        output_tokens: null,
        cache_creation_tokens: null,
        cache_read_tokens: null,
        cost_usd: null,
        usage_source: 'reported',
        cache_creation_1h_tokens: null,
        user: 'bench@example.com',
      },
      rules,
    );
    const start = process.hrtime.bigint();
    await appendRecords(ledger, [record], { lockTimeoutMs: 2000 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = sortNumbers(times);
  console.log(`append   library appendRecords p50 ${format(percentile(sorted, 0.5), 3)} ms p95 ${format(percentile(sorted, 0.95), 3)} ms (target p50 < 1 ms)`);
  console.log(`append   ${format(count / seconds, 0)} validated records/s including validation (${count} records)`);
}

/** Runs a command under GNU time to read its peak RSS (KiB). */
function timed(args: readonly string[], cwd?: string): { ms: number; rssMiB: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', node, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TOKEN_LEDGER_CSV: '' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`report failed: ${result.stderr}`);
  const rssKiB = Number(result.stderr.trim().split('\n').at(-1));
  return { ms, rssMiB: rssKiB / 1024, stdout: result.stdout };
}

interface ReportFixtures {
  big: string;
  tiny: string;
  /** Runs csv-parse alone over `big`, one thread, no checks: the floor any reader built on it stands on. */
  floor: () => ReturnType<typeof timed>;
}

let reportFixtures: ReportFixtures | undefined;

/** The ~100 MB ledger and a one-row one, made once for the report and cache sections, and the parse-only floor to run over the first. */
function fixtures(): ReportFixtures {
  if (reportFixtures) return reportFixtures;
  const big = join(work, 'big.csv');
  const tiny = join(work, 'tiny.csv');
  execFileSync(node, [join(root, 'scripts', 'generate-sample-ledger.ts'), '--rows', '250000', '--days', '365', '--prompt-repeat', '4', '--out', big], { stdio: 'inherit' });
  execFileSync(node, [join(root, 'scripts', 'generate-sample-ledger.ts'), '--rows', '1', '--out', tiny], { stdio: 'ignore' });
  // On disk before any run is timed: the kernel's writeback of 100 MB just written otherwise takes CPU time during the
  // first runs, which falls harder on a reader using both cores than on csv-parse alone, using one.
  fsyncPath(big);
  const parseOnly = `const { parse } = await import('csv-parse'); const { createReadStream } = await import('node:fs'); let rows = 0; for await (const _ of createReadStream(${JSON.stringify(big)}).pipe(parse({ record_delimiter: ['\\n', '\\r\\n'] }))) rows += 1;`;
  reportFixtures = { big, tiny, floor: () => timed(['--input-type=module', '-e', parseOnly], root) };
  return reportFixtures;
}

/** The report cache beside the bench's ledgers: removed for a cold read. */
const dropReportCache = () => rmSync(join(work, SCAN_CACHE_DIR), { recursive: true, force: true });

/** Cold runs of a command and runs of the floor, in turn: the machine's speed drifts by a fifth within a minute here. */
const COLD_ROUNDS = 7;

/**
 * Medians of COLD_ROUNDS cold runs of a command and as many runs of the floor,
 * taken in turn, so that load on the shared machine falls on both alike, and
 * the median of each round's ratio: a round's two runs are seconds apart, so
 * a drift in the machine's speed moves both, where the medians of the two
 * series can come from rounds a minute apart.
 */
function coldAgainstFloor(run: () => ReturnType<typeof timed>): { cold: ReturnType<typeof timed>; floor: ReturnType<typeof timed>; ratio: number } {
  const { floor } = fixtures();
  const colds: ReturnType<typeof timed>[] = [];
  const floors: ReturnType<typeof timed>[] = [];
  for (let round = 0; round < COLD_ROUNDS; round += 1) {
    floors.push(floor());
    dropReportCache();
    colds.push(run());
  }
  const byTime = (run: ReturnType<typeof timed>) => run.ms;
  return { cold: medianBy(colds, byTime), floor: medianBy(floors, byTime), ratio: median(colds.map((cold, round) => cold.ms / floors[round]!.ms)) };
}

function benchReport(): void {
  const { big, tiny } = fixtures();
  const sizeMiB = statSync(big).size / 1024 / 1024;
  dropReportCache();
  const baseline = timed([cli, 'report', '--json', '--csv', tiny]);
  const { cold, floor, ratio } = coldAgainstFloor(() => timed([cli, 'report', '--json', '--csv', big]));
  const totals = (JSON.parse(cold.stdout) as { totals: { transactions: number } }).totals;
  console.log(`report   ledger ${format(sizeMiB)} MiB, ${totals.transactions} rows, ${availableParallelism()} cores`);
  console.log(`report   report --json, no cache: ${format(cold.ms, 0)} ms (median of ${COLD_ROUNDS}; target <= 2000 ms), one-row ledger ${format(baseline.ms, 0)} ms`);
  console.log(`report   csv-parse alone over the same file, one thread: ${format(floor.ms, 0)} ms (median of ${COLD_ROUNDS}, in turn with the report); ratio report / parse alone = ${format(ratio, 2)}x (median of the rounds' ratios)`);
  console.log(`report   peak RSS ${format(cold.rssMiB)} MiB, ${format(cold.rssMiB - baseline.rssMiB)} MiB above the one-row run (target <= 100 MiB)`);
}

function benchTimeZone(): void {
  const { big } = fixtures();
  const zones = ['UTC', 'Europe/Berlin'] as const;
  const samples = new Map<string, ReturnType<typeof timed>[]>(zones.map((zone) => [zone, []]));
  // Alternating, so load on the shared machine falls on both alike.
  for (let round = 0; round < 3; round += 1) {
    for (const zone of zones) {
      dropReportCache();
      samples.get(zone)!.push(timed([cli, 'report', '--by', 'day', '--json', '--timezone', zone, '--csv', big]));
    }
  }
  const [utc, berlin] = zones.map((zone) => medianBy(samples.get(zone)!, (run) => run.ms)) as [ReturnType<typeof timed>, ReturnType<typeof timed>];
  const days = (result: { stdout: string }) => (JSON.parse(result.stdout) as { groups: unknown[] }).groups.length;
  console.log(
    `timezone report --by day --json, no cache: --timezone UTC ${format(utc.ms, 0)} ms (${days(utc)} days), Europe/Berlin ${format(berlin.ms, 0)} ms (${days(berlin)} days), medians of 3; ratio Berlin / UTC = ${format(berlin.ms / utc.ms, 3)}x (target close to 1)`,
  );
}

function benchReportCache(): void {
  const { big, tiny } = fixtures();
  const report = (csv: string) => timed([cli, 'report', '--by', 'day', '--json', '--csv', csv]);
  dropReportCache();
  const baseline = report(tiny);
  // The last cold run leaves the cache the warm runs start from.
  const { cold, floor, ratio } = coldAgainstFloor(() => report(big));
  const warm: ReturnType<typeof timed>[] = [];
  for (let round = 0; round < 3; round += 1) {
    const more = join(work, `more-${round}.csv`);
    execFileSync(node, [join(root, 'scripts', 'generate-sample-ledger.ts'), '--rows', '1000', '--days', '1', '--seed', String(round + 1), '--out', more], { stdio: 'ignore' });
    const text = readFileSync(more, 'utf8');
    // The generator numbers its ids from 1; new transactions get ids of their own.
    appendFileSync(big, text.slice(text.indexOf('\n') + 1).replace(/,sample-(\d+),/g, `,bench-${round}-$1,`));
    warm.push(report(big));
  }
  const warmMedian = medianBy(warm, (run) => run.ms);
  const rows = (result: { stdout: string }) => (JSON.parse(result.stdout) as { totals: { transactions: number } }).totals.transactions;
  console.log(`cache    report --by day --json, cold (no cache): ${format(cold.ms, 0)} ms, ${rows(cold)} rows; csv-parse alone ${format(floor.ms, 0)} ms (medians of ${COLD_ROUNDS}, in turn); ratio cold / parse alone = ${format(ratio, 2)}x (median of the rounds' ratios; target <= 0.8x)`);
  console.log(
    `cache    warm after appending 1,000 rows: ${format(warmMedian.ms, 0)} ms (median of 3, ${rows(warmMedian)} rows), one-row ledger ${format(baseline.ms, 0)} ms: ledger work ${format(warmMedian.ms - baseline.ms, 0)} ms (target <= 300 ms); ratio warm / cold = ${format(warmMedian.ms / cold.ms, 3)}x`,
  );
  console.log(`cache    warm peak RSS ${format(warmMedian.rssMiB)} MiB, ${format(warmMedian.rssMiB - baseline.rssMiB)} MiB above the one-row run (target <= 60 MiB)`);
}

async function benchConcurrency(): Promise<void> {
  const ledger = join(work, 'concurrent.csv');
  const writers = 10;
  const each = 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, (_, writer) => {
      const input = Array.from({ length: each }, (_, index) =>
        JSON.stringify({ prompt_text: `w${writer} r${index}, "q"\n`, tokens_used: index + 1, elapsed_time: 0.1, agent_execution_id: `w${writer}-r${index}` }),
      ).join('\n');
      return new Promise<void>((resolve, reject) => {
        const child = spawn(node, [cli, 'record', '--stdin', '--csv', ledger], { stdio: ['pipe', 'ignore', 'inherit'] });
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}`))));
        child.stdin.end(input);
      });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = parse(readFileSync(ledger), { columns: true }) as Record<string, string>[];
  const distinct = new Set(rows.map((row) => row.agent_execution_id)).size;
  const torn = rows.filter((row) => !/^w\d+ r\d+, "q"\n$/.test(row.prompt_text ?? '')).length;
  console.log(
    `concurrency ${writers} x ${each}: ${rows.length} rows, ${writers * each - distinct} lost, ${torn} torn, ${rows.length - distinct} duplicated, ${format(seconds, 2)} s`,
  );
}

/** The import and site benchmarks are scripts of their own; run them as they are. */
function benchScript(script: string): void {
  execFileSync(node, [join(root, 'scripts', script)], { stdio: 'inherit' });
}

try {
  if (only.has('record')) benchRecord();
  if (only.has('append')) await benchAppend();
  if (only.has('report')) benchReport();
  if (only.has('timezone')) benchTimeZone();
  if (only.has('cache')) benchReportCache();
  if (only.has('concurrency')) await benchConcurrency();
  if (only.has('import')) benchScript('bench-import.ts');
  if (only.has('site')) benchScript('bench-site.ts');
  if (only.has('hooks')) benchScript('bench-hooks.ts');
} finally {
  rmSync(work, { recursive: true, force: true });
}
