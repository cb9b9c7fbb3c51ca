/** Shared set-up for the importer tests: a temp workspace with a ledger path and loaded config. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, readLedger, type LedgerRecord } from '../../../../src/lib/tracker/index.ts';
import type { ExpectedUsage } from '../../../../scripts/generate-agent-logs.ts';
import type { ReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import { newImportSummary, writeImported, type ImportSummary, type ImportTarget } from '../../../../src/lib/tracker/importers/writer.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';

export function importWorkspace(): { root: string; target: ImportTarget } {
  const root = mkdtempSync(join(tmpdir(), 'tl-import-'));
  mkdirSync(join(root, '.git'));
  const loaded = loadConfig({ cwd: root, env: {} });
  return { root, target: { loaded, ledgerPath: loaded.ledgerPath } };
}

export async function ledgerRecords(path: string): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for await (const row of readLedger(path)) {
    if (!row.ok) throw new Error(`line ${row.line} is invalid: ${JSON.stringify(row.issues)}`);
    records.push(row.record);
  }
  return records;
}

export function sums(records: readonly LedgerRecord[]): { input_tokens: number; output_tokens: number; cache_creation_tokens: number; cache_read_tokens: number } {
  const total = { input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0 };
  for (const record of records) {
    total.input_tokens += record.input_tokens ?? 0;
    total.output_tokens += record.output_tokens ?? 0;
    total.cache_creation_tokens += record.cache_creation_tokens ?? 0;
    total.cache_read_tokens += record.cache_read_tokens ?? 0;
  }
  return total;
}

/** The four token sums a generator promises, in the shape of `sums`. */
export function expectedSums(expected: ExpectedUsage): ReturnType<typeof sums> {
  const { input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens } = expected;
  return { input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens };
}

/** One import run of the given files into the workspace ledger, as the CLI does it. */
export function importRun(
  source: string,
  read: (files: readonly string[], stats: ReadStats) => AsyncIterable<RecordInput>,
  files: readonly string[],
  target: ImportTarget,
): () => Promise<ImportSummary> {
  return () => importRecords(newImportSummary(source, target.ledgerPath), (stats) => read(files, stats), target);
}

/** Reads records with `read` (counting into the summary) and writes the new ones, as the CLI does without cursors. */
export async function importRecords(summary: ImportSummary, read: (stats: ReadStats) => AsyncIterable<RecordInput>, target: ImportTarget): Promise<ImportSummary> {
  await writeImported(read(summary), target, summary);
  return summary;
}
