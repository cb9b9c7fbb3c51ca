/**
 * Site benchmark: `astro build` time with the sample ledger and with a
 * generated 500k-row ledger, cold (no report cache beside it) and warm (the
 * cold build's cache, then 1,000 rows appended, as a scheduled rebuild finds
 * it), each as a ratio to the sample build of the same run (sample and cold
 * builds three times each, in turn, and their medians); the size of the
 * buckets the overview embeds, and the JavaScript each usage page loads up
 * front (a chunk loaded on demand, like the CSV writer, is not counted).
 * Targets: a 500k-row build <= 2x the sample build (issue 12), usage page JS <= 250 KB.
 *
 *   node scripts/bench-site.ts [--rows 500000] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { SCAN_CACHE_DIR } from '../src/lib/tracker/index.ts';
import type { EmbeddedUsage } from '../src/site/usage-buckets.ts';
import { median } from './_median.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '500000' }, keep: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RATIO = 2;
const TARGET_JS_KB = 250;
const APPENDED_ROWS = 1000;
const COLD_ROUNDS = 3;

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return (performance.now() - started) / 1000;
}

function build(ledger: string, outDir: string): number {
  return run([join(root, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir], { TOKEN_LEDGER_CSV: ledger });
}

/** Every script a page loads up front: its module scripts and, transitively, their static imports. */
function pageScripts(outDir: string, route: string): Map<string, Buffer> {
  const html = readFileSync(join(outDir, route, 'index.html'), 'utf8');
  const scripts = new Map<string, Buffer>();
  html.match(/<script type="module">[\s\S]*?<\/script>/g)?.forEach((inline, index) => scripts.set(`(inline module ${index + 1})`, Buffer.from(inline)));
  const pending = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map(([, src]) => join(outDir, src ?? ''));
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (scripts.has(file)) continue;
    const code = readFileSync(file);
    scripts.set(file, code);
    for (const [, specifier] of code.toString('utf8').matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.js)["']/g)) {
      pending.push(specifier?.startsWith('/') ? join(outDir, specifier) : resolve(dirname(file), specifier ?? ''));
    }
  }
  return scripts;
}

const work = mkdtempSync(join(tmpdir(), 'tl-bench-site-'));
const bigLedger = join(work, `ledger-${values.rows}.csv`);
const sample = join(root, 'src/data/sample-ledger.csv');
const generator = join(root, 'scripts/generate-sample-ledger.ts');
try {
  process.stdout.write(`generating a ${values.rows}-row ledger ...\n`);
  run([generator, '--rows', values.rows, '--days', '365', '--out', bigLedger]);
  const megabytes = statSync(bigLedger).size / 1024 / 1024;

  // In turn, medians of COLD_ROUNDS: the machine's speed drifts by a fifth within a minute here. The cold
  // ratio is the median of each round's, a round's two builds being seconds apart.
  const sampleBuilds: number[] = [];
  const coldBuilds: number[] = [];
  for (let round = 0; round < COLD_ROUNDS; round += 1) {
    sampleBuilds.push(build(sample, join(work, 'site-sample')));
    rmSync(join(work, SCAN_CACHE_DIR), { recursive: true, force: true });
    coldBuilds.push(build(bigLedger, join(work, 'site-cold')));
  }
  const sampleBuild = median(sampleBuilds);
  const coldBuild = median(coldBuilds);
  const coldRatio = median(coldBuilds.map((seconds, round) => seconds / sampleBuilds[round]!));
  const more = join(work, 'more.csv');
  run([generator, '--rows', String(APPENDED_ROWS), '--days', '1', '--seed', '7', '--out', more]);
  const text = readFileSync(more, 'utf8');
  // The generator numbers ids and sessions from 1: the appended rows get ids and sessions of their own, as a day's new work would.
  appendFileSync(bigLedger, text.slice(text.indexOf('\n') + 1).replace(/,sample-(\d+),/g, ',appended-$1,').replace(/,sess-(\d+),/g, ',sess-new-$1,'));
  const warmBuild = build(bigLedger, join(work, 'site-warm'));

  const overview = readFileSync(join(work, 'site-warm', 'runbook/usage/index.html'), 'utf8');
  const embedded = /<script type="application\/json" id="usage-buckets">(.*?)<\/script>/s.exec(overview)?.[1] ?? '';
  const usage = JSON.parse(embedded) as EmbeddedUsage;
  const pages = ['runbook/usage', 'runbook/usage/sessions', 'runbook/usage/errors'].map((route) => {
    const scripts = pageScripts(join(work, 'site-warm'), route);
    const rawBytes = [...scripts.values()].reduce((sum, code) => sum + code.length, 0);
    const gzipBytes = [...scripts.values()].reduce((sum, code) => sum + gzipSync(code).length, 0);
    return { route, scripts, rawBytes, gzipBytes };
  });

  const versus = (seconds: number, ratio = seconds / sampleBuild) =>
    `${seconds.toFixed(1)} s = ${ratio.toFixed(2)}x the sample build (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`;
  const lines = [
    `ledger: ${values.rows} rows, ${megabytes.toFixed(1)} MB`,
    `astro build, sample ledger: ${sampleBuild.toFixed(1)} s (median of ${COLD_ROUNDS}: ${sampleBuilds.map((seconds) => seconds.toFixed(1)).join(', ')})`,
    `astro build, ${values.rows}-row ledger, cold (no report cache): ${versus(coldBuild, coldRatio)} (median of ${COLD_ROUNDS}, in turn with the sample builds: ${coldBuilds.map((seconds) => seconds.toFixed(1)).join(', ')}; the ratio is the median of each round's)`,
    `astro build, ${values.rows}-row ledger + ${APPENDED_ROWS} appended rows, warm (the cold build's cache): ${versus(warmBuild)}`,
    `overview's embedded buckets: ${usage.buckets.length} over ${usage.days.length} days, ${(embedded.length / 1024).toFixed(1)} KB JSON, ${(gzipSync(embedded).length / 1024).toFixed(1)} KB gzip; overview page ${(overview.length / 1024).toFixed(0)} KB`,
    ...pages.flatMap(({ route, scripts, rawBytes, gzipBytes }) => [
      `/${route}/ JS: ${(rawBytes / 1024).toFixed(1)} KB raw, ${(gzipBytes / 1024).toFixed(1)} KB gzip in ${scripts.size} scripts (target <= ${TARGET_JS_KB} KB raw: ${rawBytes / 1024 <= TARGET_JS_KB ? 'met' : 'MISSED'})`,
      ...[...scripts].map(([file, code]) => `  ${(code.length / 1024).toFixed(1).padStart(7)} KB  ${file.startsWith(work) ? file.slice(work.length + 1) : file}`),
    ]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (values.keep) process.stdout.write(`kept ${work}\n`);
  else if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
