/**
 * Site benchmark: `astro build` time with the sample ledger and with a
 * generated 250k-row ledger, the data step alone on that ledger, the size of
 * the buckets the overview embeds, and the JavaScript each usage page loads
 * up front (a chunk loaded on demand, like the CSV writer, is not counted).
 * Targets: 250k build <= 60 s, usage page JS <= 250 KB.
 *
 *   node scripts/bench-site.ts [--rows 250000] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/lib/tracker/index.ts';
import { embedJson } from '../src/site/usage-buckets.ts';
import { readUsage } from '../src/site/usage-data.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '250000' }, keep: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET_BUILD_S = 60;
const TARGET_JS_KB = 250;

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
try {
  process.stdout.write(`generating a ${values.rows}-row ledger ...\n`);
  run([join(root, 'scripts/generate-sample-ledger.ts'), '--rows', values.rows, '--days', '365', '--prompt-repeat', '4', '--out', bigLedger]);
  const megabytes = statSync(bigLedger).size / 1024 / 1024;

  const dataStepStarted = performance.now();
  const heapBefore = process.memoryUsage().rss;
  const usage = await readUsage({ paths: [bigLedger], source: 'TOKEN_LEDGER_CSV', loaded: loadConfig({ cwd: root, env: {} }) });
  const dataStepSeconds = (performance.now() - dataStepStarted) / 1000;
  const dataStepRssMb = (process.memoryUsage().rss - heapBefore) / 1024 / 1024;

  const sampleBuild = build(sample, join(work, 'site-sample'));
  const bigBuild = build(bigLedger, join(work, 'site-big'));
  const embedded = embedJson(usage.embedded);
  const pages = ['runbook/usage', 'runbook/usage/sessions', 'runbook/usage/errors'].map((route) => {
    const scripts = pageScripts(join(work, 'site-big'), route);
    const rawBytes = [...scripts.values()].reduce((sum, code) => sum + code.length, 0);
    const gzipBytes = [...scripts.values()].reduce((sum, code) => sum + gzipSync(code).length, 0);
    return { route, scripts, rawBytes, gzipBytes };
  });

  const lines = [
    `ledger: ${values.rows} rows, ${megabytes.toFixed(1)} MB, ${usage.totals.transactions} valid`,
    `data step (read + aggregate): ${dataStepSeconds.toFixed(2)} s, +${dataStepRssMb.toFixed(0)} MB RSS`,
    `astro build, sample ledger: ${sampleBuild.toFixed(1)} s`,
    `astro build, ${values.rows}-row ledger: ${bigBuild.toFixed(1)} s (target <= ${TARGET_BUILD_S} s: ${bigBuild <= TARGET_BUILD_S ? 'met' : 'MISSED'})`,
    `overview's embedded buckets: ${usage.embedded.buckets.length} over ${usage.embedded.days.length} days, ${(embedded.length / 1024).toFixed(1)} KB JSON, ${(gzipSync(embedded).length / 1024).toFixed(1)} KB gzip`,
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
