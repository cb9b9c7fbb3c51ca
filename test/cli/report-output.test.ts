import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_PIECE_BYTES } from '../../src/lib/tracker/report/ledger-scan.ts';
import { aggregateLedger, formatRows, headerLine } from '../../src/lib/tracker/index.ts';
import { runCli, tempWorkspace } from '../helpers/cli.ts';
import { NOW, mixedRecords } from '../helpers/records.ts';

describe('report output through a pipe', () => {
  it('writes all of a report larger than a pipe holds before the process ends', async () => {
    const root = tempWorkspace('tl-report-output-');
    const ledger = join(root, 'ledger.csv');
    // One session per row: `--by session` then prints a group per row, far more than a pipe's 64 KiB.
    const records = mixedRecords(2000).map((record, index) => ({ ...record, session_id: `session-${index}` }));
    writeFileSync(ledger, headerLine(3) + formatRows(records, 3));
    const result = await runCli(['report', '--by', 'session', '--json', '--csv', ledger], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(4 * 65_536);
    const printed = JSON.parse(result.stdout) as { groups: { key: string }[] };
    const expected = await aggregateLedger(ledger, { aggregate: { groupBy: ['session'] }, now: NOW, cache: false });
    expect(printed.groups.map((group) => group.key).sort()).toEqual(expected.report.groups.session!.map((group) => group.key).sort());
  });

  it('reads a ledger big enough for worker threads from the command\'s own bundle, with the figures of one read in one thread', async () => {
    const root = tempWorkspace('tl-report-threads-');
    const ledger = join(root, 'ledger.csv');
    // Past two pieces' worth, so the command starts its workers (scan-worker.cjs beside its bundle).
    const records = mixedRecords(24_000).map((record, index) => ({ ...record, prompt_text: `${index} ${'refactor the parser, keep "quotes", commas\nand lines; '.repeat(16)}` }));
    writeFileSync(ledger, headerLine(3) + formatRows(records, 3));
    expect(statSync(ledger).size).toBeGreaterThan(2 * MIN_PIECE_BYTES);
    const result = await runCli(['report', '--by', 'day', '--json', '--csv', ledger], { cwd: root });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { totals: { transactions: number; tokens_used: number; cost_usd: number }; groups: unknown[] };
    const expected = await aggregateLedger(ledger, { aggregate: { groupBy: ['day'] }, threads: 1, cache: false });
    expect(printed.totals).toMatchObject({ transactions: expected.report.totals.transactions, tokens_used: expected.report.totals.tokens_used, cost_usd: expected.report.totals.cost_usd });
    expect(printed.groups).toHaveLength(expected.report.groups.day!.length);
  });

  it('loads no node:zlib, which makes csv-parse slower in every process that has it', async () => {
    const root = tempWorkspace('tl-report-builtins-');
    const ledger = join(root, 'ledger.csv');
    writeFileSync(ledger, headerLine(3) + formatRows(mixedRecords(50), 3));
    const listFile = join(root, 'builtins.json');
    // Preloaded into the command's process: the builtins it has loaded when it exits.
    const preload = join(root, 'list-builtins.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(listFile)}, JSON.stringify(process.moduleLoadList)));`);
    const result = await runCli(['report', '--by', 'day', '--json', '--csv', ledger], { cwd: root, env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(result.code).toBe(0);
    const loaded = JSON.parse(readFileSync(listFile, 'utf8')) as string[];
    // The list names what the read needs: it is the command's own.
    expect(loaded).toContain('NativeModule fs');
    expect(loaded.some((name) => name.includes('csv-parse') || name === 'NativeModule stream')).toBe(true);
    expect(loaded.filter((name) => name === 'NativeModule zlib')).toEqual([]);
  });
});
