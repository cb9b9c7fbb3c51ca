/**
 * Import speed: generates Claude Code and Codex logs (300k+ lines by
 * default), imports each into a fresh ledger, imports them again (every
 * response already there), and prints lines per second and the peak RSS of
 * the importing process. Each import runs in a child process so its memory
 * is measured alone.
 *
 *   node scripts/bench-import.ts [--lines N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/lib/tracker/config.ts';
import { claudeRecords } from '../src/lib/tracker/importers/claude/parser.ts';
import { claudeTranscripts } from '../src/lib/tracker/importers/claude/paths.ts';
import { codexRecords } from '../src/lib/tracker/importers/codex/parser.ts';
import { codexRollouts } from '../src/lib/tracker/importers/codex/paths.ts';
import { importRecords, newImportSummary } from '../src/lib/tracker/importers/writer.ts';
import { generateClaudeLogs, generateCodexLogs } from './generate-agent-logs.ts';

interface ImportRun {
  lines: number;
  added: number;
  duplicates: number;
  seconds: number;
  max_rss_mb: number;
}

/** Child mode: one import (finding the files included), measured from the inside. */
async function measureImport(source: string, dir: string, csv: string): Promise<ImportRun> {
  const target = { loaded: loadConfig({ cwd: dir, env: {} }), ledgerPath: csv };
  const started = performance.now();
  const summary = newImportSummary(source, csv);
  if (source === 'claude') {
    const files = await claudeTranscripts(dir);
    await importRecords(summary, (stats) => claudeRecords(files, stats), target);
  } else {
    const files = await codexRollouts(dir);
    await importRecords(summary, (stats) => codexRecords(files, stats), target);
  }
  const seconds = (performance.now() - started) / 1000;
  return { lines: summary.lines, added: summary.added, duplicates: summary.duplicates, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 };
}

function runChild(source: string, dir: string, csv: string): ImportRun {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', source, dir, csv], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`import of ${source} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ImportRun;
}

const integer = new Intl.NumberFormat('en-US');

function describe(label: string, run: ImportRun): string {
  return `${label.padEnd(22)} ${integer.format(run.lines).padStart(10)} lines  ${run.seconds.toFixed(2).padStart(6)} s  ${integer.format(Math.round(run.lines / run.seconds)).padStart(10)} lines/s  peak RSS ${run.max_rss_mb.toFixed(0).padStart(4)} MB  (added ${integer.format(run.added)}, already there ${integer.format(run.duplicates)})`;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--child') {
    const [, source = '', dir = '', csv = ''] = argv;
    process.stdout.write(JSON.stringify(await measureImport(source, dir, csv)));
    return;
  }
  const linesIndex = argv.indexOf('--lines');
  const targetLines = linesIndex === -1 ? 300_000 : Number(argv[linesIndex + 1]);
  const work = mkdtempSync(join(tmpdir(), 'tl-bench-import-'));
  try {
    // About 4.6 lines per Claude response and 3.3 per Codex turn in the generated logs; take a margin.
    const claude = generateClaudeLogs(join(work, 'claude'), { responses: Math.ceil(targetLines / 4.3) });
    const codex = generateCodexLogs(join(work, 'codex'), { responses: Math.ceil(targetLines / 3.0) });
    const results: Record<string, ImportRun> = {};
    for (const [source, expected] of [['claude', claude], ['codex', codex]] as const) {
      const dir = join(work, source);
      const csv = join(work, `${source}.csv`);
      results[`${source} first import`] = runChild(source, dir, csv);
      results[`${source} re-import`] = runChild(source, dir, csv);
      const first = results[`${source} first import`];
      if (first?.added !== expected.responses) throw new Error(`${source}: added ${first?.added}, generated ${expected.responses}`);
    }
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      process.stdout.write(`Import benchmark (node ${process.version}, ${integer.format(claude.lines)} Claude lines, ${integer.format(codex.lines)} Codex lines)\n`);
      for (const [label, run] of Object.entries(results)) process.stdout.write(`${describe(label, run)}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
