import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatRows, headerLine, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { runCli, tempWorkspace } from '../helpers/cli.ts';
import { validRecordArbitrary } from '../helpers/records.ts';

interface Totals {
  transactions: number;
  tokens_used: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  errors: number;
}

/** The union of the ledgers' rows by transaction id (the first ledger's row wins), added up straight from the CSV text. */
function unionTotals(files: readonly string[]): Totals {
  const rows = new Map<string, Record<string, string>>();
  for (const file of files) {
    for (const row of parse(readFileSync(file), { columns: true }) as Record<string, string>[]) {
      if (!rows.has(row.transaction_id!)) rows.set(row.transaction_id!, row);
    }
  }
  const sum = (column: string) => [...rows.values()].reduce((total, row) => total + Number(row[column] || 0), 0);
  return {
    transactions: rows.size,
    tokens_used: sum('tokens_used'),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    // In units of 1e-8 USD, the ledger's precision, as the report adds them.
    cost_usd: [...rows.values()].reduce((total, row) => total + Math.round(Number(row.cost_usd || 0) * 1e8), 0) / 1e8,
    errors: [...rows.values()].filter((row) => row.error_occurred === 'true').length,
  };
}

describe('several ledgers', () => {
  let root: string;
  let ledgers: string[];
  const NOW = Date.now();
  // Recent rows: the CLI checks them against the real clock.
  const records = fc.sample(validRecordArbitrary, { numRuns: 120, seed: 42 }).map((record, index): LedgerRecord => ({
    ...record,
    timestamp: new Date(NOW - (index + 1) * 3_600_000).toISOString(),
  }));

  beforeAll(() => {
    root = tempWorkspace();
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'ledgers'));
    const alice = records.slice(0, 50);
    const bob = records.slice(50, 100);
    // A third file holding copies of rows of both users' files, and rows of its own.
    const merged = [...alice.slice(0, 10), ...bob.slice(40), ...records.slice(100)];
    ledgers = ['alice.csv', 'bob.csv', 'merged.csv'].map((name) => join(root, 'ledgers', name));
    [alice, bob, merged].forEach((rows, index) => writeFileSync(ledgers[index]!, headerLine(2) + formatRows(rows, 2)));
  });

  it('report --json over a glob counts each transaction id once and lists the files it read', async () => {
    const expected = unionTotals(ledgers);
    expect(expected.transactions).toBe(120);
    // Twice: the second report reads from the cache the first one wrote.
    for (const run of [1, 2]) {
      const result = await runCli(['report', '--json', '--csv', 'ledgers/*.csv'], { cwd: root });
      expect(result.code, `run ${run}: ${result.stderr}`).toBe(0);
      const report = JSON.parse(result.stdout) as { totals: Totals; files: string[]; duplicate_rows: number };
      expect(report.files).toEqual(ledgers);
      expect(report.duplicate_rows).toBe(20);
      expect(report.totals).toMatchObject(expected);
    }
  });

  it('reads a comma-separated TOKEN_LEDGER_CSV, and says on stderr which files a text report read', async () => {
    const result = await runCli(['report'], { cwd: root, env: { TOKEN_LEDGER_CSV: 'ledgers/alice.csv, ledgers/bob.csv' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`token-ledger: read ${ledgers[0]}, ${ledgers[1]}`);
    const json = await runCli(['report', '--json'], { cwd: root, env: { TOKEN_LEDGER_CSV: 'ledgers/alice.csv,ledgers/bob.csv' } });
    expect((JSON.parse(json.stdout) as { totals: Totals }).totals).toMatchObject(unionTotals(ledgers.slice(0, 2)));
  });

  it('export prints each transaction once; validate checks each ledger on its own', async () => {
    const exported = await runCli(['export', '--format', 'jsonl', '--csv', 'ledgers/*.csv'], { cwd: root });
    const ids = exported.stdout.trim().split('\n').map((line) => (JSON.parse(line) as LedgerRecord).transaction_id);
    expect(ids.length).toBe(120);
    expect(new Set(ids).size).toBe(120);
    expect(exported.stderr).toContain('left out 20 row(s)');
    const validate = await runCli(['validate', '--json', '--csv', 'ledgers/*.csv'], { cwd: root });
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, rows: 140, duplicates: 0, ledgers: ledgers.map((path) => ({ path })) });
  });

  it('a glob matching nothing is an error that names it', async () => {
    const result = await runCli(['report', '--csv', 'ledgers/*.tsv'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"ledgers/*.tsv" matches no file');
  });

  it('writing commands refuse several ledgers or a glob (usage error, nothing written)', async () => {
    for (const args of [['record', '--tokens', '5', '--csv', 'ledgers/*.csv'], ['import', 'claude', '--csv', 'ledgers/a.csv,ledgers/b.csv']]) {
      const result = await runCli(args, { cwd: root });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--csv is ".*": several ledgers or a glob, but this command works on exactly one ledger file/);
    }
    const fromEnv = await runCli(['record', '--tokens', '5'], { cwd: root, env: { TOKEN_LEDGER_CSV: 'ledgers/*.csv' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('TOKEN_LEDGER_CSV is "ledgers/*.csv"');
    expect(unionTotals(ledgers).transactions).toBe(120);
  });
});
