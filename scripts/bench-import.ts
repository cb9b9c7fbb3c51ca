/**
 * Import speed, through the CLI as a user runs it, against yardsticks from
 * the same run:
 *
 *   claude   a cold `import claude` of generated transcripts vs `ccusage daily
 *            --json -O` 20.0.24 (installed into a temporary folder, not a
 *            dependency of the project) over the same files, three rounds of
 *            one run each in turn: wall, peak RSS, totals, CPU time too (these
 *            machines are shared), each ratio the median of the rounds'; then a
 *            re-import with nothing new, and one after 1,000 responses were
 *            appended, against the same command over an empty folder
 *   codex    a cold `import codex` and a re-import
 *
 *   node scripts/bench-import.ts [--responses N] [--sessions N] [--no-ccusage]
 *
 * The default is the set of the performance issue: 300,000 responses over
 * about 2,000 sessions (and their subagents); `--responses 65000
 * --sessions 3000` makes a quicker one.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { claudeTranscripts } from '../src/lib/tracker/importers/claude/paths.ts';
import { generateClaudeLogs, generateCodexLogs } from './generate-agent-logs.ts';
import { median, medianBy } from './_median.ts';

const { values } = parseArgs({
  options: { responses: { type: 'string', default: '300000' }, sessions: { type: 'string', default: '2000' }, 'no-ccusage': { type: 'boolean', default: false } },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin', 'token-ledger.cjs');
const CCUSAGE = 'ccusage@20.0.24';
/** Rounds of a cold import and a ccusage run, in turn. */
const COLD_ROUNDS = 3;

const integer = new Intl.NumberFormat('en-US');

interface Timed {
  seconds: number;
  /** User and system CPU seconds, every thread: on a shared machine, wall time also counts waiting for a core. */
  cpuSeconds: number;
  peakMiB: number;
  stdout: string;
}

/** Runs a command under GNU time: wall seconds, CPU seconds and the peak RSS of the process. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Timed {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TOKEN_LEDGER_CSV: '', ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  const [user = 0, system = 0, peakKiB = 0] = (result.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { seconds, cpuSeconds: user + system, peakMiB: peakKiB / 1024, stdout: result.stdout };
}

function importLedger(source: string, dir: string, csv: string): Timed & { summary: { lines: number; added: number; duplicates: number } } {
  const run = timed(process.execPath, [cli, 'import', source, '--dir', dir, '--csv', csv, '--json']);
  return { ...run, summary: JSON.parse(run.stdout) as { lines: number; added: number; duplicates: number } };
}

interface Totals {
  tokens: number;
  cost: number;
}

function ledgerTotals(csv: string): Totals {
  const run = timed(process.execPath, [cli, 'report', '--json', '--csv', csv]);
  const { totals } = JSON.parse(run.stdout) as { totals: { tokens_used: number; cost_usd: number } };
  return { tokens: totals.tokens_used, cost: totals.cost_usd };
}

/** ccusage in a folder of its own; undefined when it cannot be installed here (no registry). */
function installCcusage(work: string): string | undefined {
  const prefix = join(work, 'ccusage');
  const result = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, CCUSAGE], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.log(`import   ${CCUSAGE} could not be installed (${result.stderr.trim().split('\n').at(-1) ?? ''}); no yardstick this run`);
    return undefined;
  }
  return join(prefix, 'node_modules', '.bin', 'ccusage');
}

function ccusageTotals(bin: string, dir: string, home: string): Timed & Totals {
  // An empty HOME keeps it to these files (it also looks in ~/.claude and ~/.config/claude).
  const run = timed(bin, ['daily', '--json', '-O'], { CLAUDE_CONFIG_DIR: dir, HOME: home });
  const { totals } = JSON.parse(run.stdout) as { totals: { totalTokens: number; totalCost: number } };
  return { ...run, tokens: totals.totalTokens, cost: totals.totalCost };
}

/** Appends `count` finished responses, spread over the first transcripts. */
function appendResponses(files: readonly string[], count: number): void {
  const at = '2026-01-01T00:00:00.000Z';
  for (let index = 0; index < count; index += 1) {
    const file = files[index % Math.min(files.length, 100)] ?? '';
    const line = {
      type: 'assistant',
      sessionId: `appended-${index % 100}`,
      requestId: `req_appended_${index}`,
      timestamp: at,
      message: { id: `msg_appended_${index}`, model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn', usage: { input_tokens: 3, cache_read_input_tokens: 9000, output_tokens: 120 } },
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

function megabytes(dir: string): number {
  let bytes = 0;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else bytes += statSync(path).size;
    }
  };
  walk(dir);
  return bytes / 1e6;
}

const work = mkdtempSync(join(tmpdir(), 'tl-bench-import-'));
try {
  const responses = Number(values.responses);
  const claudeDir = join(work, 'claude');
  const expected = generateClaudeLogs(claudeDir, { responses, sessions: Number(values.sessions) });
  const files = await claudeTranscripts(claudeDir);
  console.log(`import   claude: ${integer.format(files.length)} transcripts, ${integer.format(expected.lines)} lines, ${megabytes(claudeDir).toFixed(0)} MB, ${integer.format(expected.responses)} responses`);

  // On disk before any run is timed: the kernel's writeback of the logs just written otherwise takes CPU time during the first runs.
  spawnSync('sync');
  const bin = values['no-ccusage'] ? undefined : installCcusage(work);
  const home = join(work, 'empty-home');
  mkdirSync(home);
  // In turn, each round a cold import into a ledger of its own and a ccusage run: the machine's speed drifts by a
  // fifth within a minute here, and a round's two runs are seconds apart, so the ratios are the medians of the rounds'.
  const colds: ReturnType<typeof importLedger>[] = [];
  const yardsticks: ReturnType<typeof ccusageTotals>[] = [];
  for (let round = 0; round < COLD_ROUNDS; round += 1) {
    const cold = importLedger('claude', claudeDir, join(work, `claude-${round}.csv`));
    if (cold.summary.added !== expected.responses) throw new Error(`claude: added ${cold.summary.added}, generated ${expected.responses}`);
    colds.push(cold);
    if (bin) yardsticks.push(ccusageTotals(bin, claudeDir, home));
  }
  const csv = join(work, `claude-${COLD_ROUNDS - 1}.csv`);
  const ours = ledgerTotals(csv);
  const cold = medianBy(colds, (run) => run.seconds);
  console.log(
    `import   claude cold: ${cold.seconds.toFixed(2)} s (median of ${COLD_ROUNDS}: ${colds.map((run) => run.seconds.toFixed(2)).join(', ')}; CPU ${cold.cpuSeconds.toFixed(1)} s), peak RSS ${medianBy(colds, (run) => run.peakMiB).peakMiB.toFixed(0)} MiB, ${integer.format(cold.summary.added)} added; ${integer.format(ours.tokens)} tokens, $${ours.cost.toFixed(2)}`,
  );
  if (bin) {
    const yardstick = medianBy(yardsticks, (run) => run.seconds);
    const ratio = (figure: (run: Timed) => number) => median(colds.map((run, round) => figure(run) / figure(yardsticks[round]!)));
    const tokensEqual = yardsticks.every((run) => run.tokens === ours.tokens);
    console.log(
      `import   ${CCUSAGE} daily --json -O: ${yardstick.seconds.toFixed(2)} s (median of ${COLD_ROUNDS}: ${yardsticks.map((run) => run.seconds.toFixed(2)).join(', ')}; CPU ${yardstick.cpuSeconds.toFixed(1)} s), peak RSS ${medianBy(yardsticks, (run) => run.peakMiB).peakMiB.toFixed(0)} MiB; ${integer.format(yardstick.tokens)} tokens, $${yardstick.cost.toFixed(2)}`,
    );
    console.log(
      `import   ratio cold import / ccusage (medians of the rounds' ratios): wall ${ratio((run) => run.seconds).toFixed(2)}x (target <= 1.0x), CPU ${ratio((run) => run.cpuSeconds).toFixed(2)}x, peak RSS ${ratio((run) => run.peakMiB).toFixed(2)}x (target <= 0.3x); tokens ${tokensEqual ? 'equal' : `differ by ${ours.tokens - yardstick.tokens}`}, cost differs by $${(ours.cost - yardstick.cost).toFixed(2)}`,
    );
  }

  // The same command over an empty folder: the start-up and fixed costs a re-import cannot go below.
  const emptyDir = join(work, 'claude-empty');
  mkdirSync(join(emptyDir, 'projects'), { recursive: true });
  const empty = importLedger('claude', emptyDir, join(work, 'empty.csv'));
  console.log(`import   claude import of an empty folder (start-up): ${empty.seconds.toFixed(2)} s (CPU ${empty.cpuSeconds.toFixed(2)} s)`);
  const again = importLedger('claude', claudeDir, csv);
  console.log(`import   claude re-import, nothing new: ${again.seconds.toFixed(2)} s (target <= 0.5 s; CPU ${again.cpuSeconds.toFixed(2)} s; ${(again.seconds / empty.seconds).toFixed(2)}x the empty-folder import), ${integer.format(again.summary.lines)} lines read, ${again.summary.added} added`);
  appendResponses(files, 1000);
  const appended = importLedger('claude', claudeDir, csv);
  console.log(`import   claude after 1,000 appended responses: ${appended.seconds.toFixed(2)} s (target <= 1 s; CPU ${appended.cpuSeconds.toFixed(2)} s; ${(appended.seconds / empty.seconds).toFixed(2)}x the empty-folder import), ${integer.format(appended.summary.lines)} lines read, ${integer.format(appended.summary.added)} added`);

  const codexDir = join(work, 'codex');
  const codex = generateCodexLogs(codexDir, { responses: Math.ceil(responses / 2) });
  const codexCsv = join(work, 'codex.csv');
  const codexCold = importLedger('codex', codexDir, codexCsv);
  if (codexCold.summary.added !== codex.responses) throw new Error(`codex: added ${codexCold.summary.added}, generated ${codex.responses}`);
  const codexAgain = importLedger('codex', codexDir, codexCsv);
  console.log(`import   codex: ${integer.format(codex.lines)} lines; cold ${codexCold.seconds.toFixed(2)} s, peak RSS ${codexCold.peakMiB.toFixed(0)} MiB; re-import ${codexAgain.seconds.toFixed(2)} s (${codexAgain.summary.added} added)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
