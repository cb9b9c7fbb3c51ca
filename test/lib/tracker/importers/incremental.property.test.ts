/**
 * Incremental import: logs that grow by arbitrary appends (cut anywhere, mid
 * line included), imported after every append with cursors and the id index,
 * give the ledger exactly what one import of the final logs gives.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateClaudeLogs, generateCodexLogs } from '../../../../scripts/generate-agent-logs.ts';
import { claudeRowsInParallel } from '../../../../src/lib/tracker/importers/claude/parallel.ts';
import { claudeRecords, type ClaudeCarry } from '../../../../src/lib/tracker/importers/claude/parser.ts';
import { claudeTranscripts } from '../../../../src/lib/tracker/importers/claude/paths.ts';
import { codexRecords, type CodexCarry } from '../../../../src/lib/tracker/importers/codex/parser.ts';
import { codexRollouts } from '../../../../src/lib/tracker/importers/codex/paths.ts';
import { CursorBook } from '../../../../src/lib/tracker/importers/log-cursor.ts';
import type { ReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { newImportSummary, writeImported, type ImportRows, type ImportTarget } from '../../../../src/lib/tracker/importers/writer.ts';
import { importWorkspace, ledgerRecords } from './helpers.ts';

interface Source {
  name: 'claude' | 'codex';
  /** How the test names this way of reading. */
  title: string;
  /** Property runs: each import through workers starts them afresh, which costs most of a second from the sources. */
  runs: number;
  generate: (dir: string) => unknown;
  files: (dir: string) => Promise<string[]>;
  /** Reads with cursors when given a book; whole when not. */
  read: (files: readonly string[], stats: ReadStats, cursors?: CursorBook<never>) => AsyncIterable<RecordInput> | ImportRows;
}

const SOURCES: Source[] = [
  {
    name: 'claude',
    title: 'claude',
    runs: 12,
    generate: (dir) => generateClaudeLogs(dir, { responses: 60, seed: 11 }),
    files: claudeTranscripts,
    read: (files, stats, cursors) => claudeRecords(files, stats, { cursors: cursors as CursorBook<ClaudeCarry> | undefined }),
  },
  {
    name: 'claude',
    title: 'claude read, checked and formatted in worker threads (tasks of a file or two)',
    runs: 3,
    generate: (dir) => generateClaudeLogs(dir, { responses: 60, seed: 11 }),
    files: claudeTranscripts,
    read: (files, stats, cursors) => claudeRowsInParallel(files, stats, { cursors: cursors as CursorBook<ClaudeCarry> | undefined }, { threads: 2, minBytes: 0, taskBytes: 2048 }),
  },
  {
    name: 'codex',
    title: 'codex',
    runs: 12,
    generate: (dir) => generateCodexLogs(dir, { responses: 60, seed: 12 }),
    files: codexRollouts,
    read: (files, stats, cursors) => codexRecords(files, stats, { cursors: cursors as CursorBook<CodexCarry> | undefined }),
  },
];

async function importWithCursors(source: Source, files: readonly string[], target: ImportTarget): Promise<void> {
  const cursors = new CursorBook<never>(target.ledgerPath, source.name);
  const summary = newImportSummary(source.name, target.ledgerPath);
  await writeImported(source.read(files, summary, cursors), { ...target, afterWrite: () => cursors.save() }, summary);
}

async function importWhole(source: Source, files: readonly string[], target: ImportTarget): Promise<void> {
  const summary = newImportSummary(source.name, target.ledgerPath);
  await writeImported(source.read(files, summary), target, summary);
}

/** What a row says, without the fields that come from the clock of the import. */
async function figures(ledgerPath: string): Promise<string[]> {
  return (await ledgerRecords(ledgerPath))
    .map((record) => JSON.stringify([record.transaction_id, record.timestamp, record.input_tokens, record.output_tokens, record.cache_creation_tokens, record.cache_read_tokens, record.prompt_text, record.cost_usd, record.elapsed_time]))
    .sort();
}

describe('incremental import', () => {
  for (const source of SOURCES) {
    it(`${source.title}: any sequence of appends, imported after each, equals one import at the end`, async () => {
      const origin = mkdtempSync(join(tmpdir(), `tl-incr-${source.name}-`));
      source.generate(origin);
      const contents = (await source.files(origin)).map((file) => ({ path: relative(origin, file), bytes: readFileSync(file) }));
      const total = contents.reduce((sum, file) => sum + file.bytes.length, 0);

      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: total - 1 }), { minLength: 1, maxLength: 6 }), async (cuts) => {
          const { root, target: stepwise } = importWorkspace();
          const logs = join(root, 'logs');
          // The logs' bytes, all files one after another, revealed up to each cut in turn.
          const steps = [...cuts.sort((a, b) => a - b), total];
          let shown = 0;
          for (const step of steps) {
            let offset = 0;
            for (const file of contents) {
              const from = Math.max(shown, offset) - offset;
              const to = Math.min(step, offset + file.bytes.length) - offset;
              if (to > from) {
                const path = join(logs, file.path);
                mkdirSync(dirname(path), { recursive: true });
                if (from === 0) writeFileSync(path, file.bytes.subarray(from, to));
                else appendFileSync(path, file.bytes.subarray(from, to));
              }
              offset += file.bytes.length;
            }
            shown = step;
            await importWithCursors(source, await source.files(logs), stepwise);
          }
          const { target: once } = importWorkspace();
          await importWhole(source, await source.files(logs), once);
          expect(await figures(stepwise.ledgerPath)).toEqual(await figures(once.ledgerPath));
        }),
        { numRuns: source.runs },
      );
    }, 120_000);
  }
});
