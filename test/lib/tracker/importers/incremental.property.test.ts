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
import { generateClaudeLogs } from '../../../../scripts/generate-agent-logs.ts';
import { claudeRecords, type ClaudeCarry } from '../../../../src/lib/tracker/importers/claude/parser.ts';
import { claudeTranscripts } from '../../../../src/lib/tracker/importers/claude/paths.ts';
import { CursorBook } from '../../../../src/lib/tracker/importers/log-cursor.ts';
import { newImportSummary, writeImported, type ImportTarget } from '../../../../src/lib/tracker/importers/writer.ts';
import { importWorkspace, ledgerRecords } from './helpers.ts';

async function importWithCursors(files: readonly string[], target: ImportTarget): Promise<void> {
  const cursors = new CursorBook<ClaudeCarry>(target.ledgerPath, 'claude');
  await writeImported(claudeRecords(files, newImportSummary('claude', target.ledgerPath), { cursors }), { ...target, afterWrite: () => cursors.save() }, newImportSummary('claude', target.ledgerPath));
}

async function importWhole(files: readonly string[], target: ImportTarget): Promise<void> {
  await writeImported(claudeRecords(files, newImportSummary('claude', target.ledgerPath)), target, newImportSummary('claude', target.ledgerPath));
}

/** What a row says, without the fields that come from the clock of the import. */
async function figures(ledgerPath: string): Promise<string[]> {
  return (await ledgerRecords(ledgerPath))
    .map((record) => JSON.stringify([record.transaction_id, record.timestamp, record.input_tokens, record.output_tokens, record.cache_creation_tokens, record.cache_read_tokens, record.prompt_text, record.cost_usd, record.elapsed_time]))
    .sort();
}

describe('incremental import', () => {
  it('any sequence of appends, imported after each, equals one import at the end', async () => {
    const source = mkdtempSync(join(tmpdir(), 'tl-incr-src-'));
    generateClaudeLogs(source, { responses: 60, seed: 11 });
    const sourceFiles = await claudeTranscripts(source);
    const contents = sourceFiles.map((file) => ({ path: relative(source, file), bytes: readFileSync(file) }));
    const total = contents.reduce((sum, file) => sum + file.bytes.length, 0);

    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: total - 1 }), { minLength: 1, maxLength: 6 }), async (cuts) => {
        const { root, target: stepwise } = importWorkspace();
        const logs = join(root, 'claude');
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
          await importWithCursors(await claudeTranscripts(logs), stepwise);
        }
        const { target: once } = importWorkspace();
        await importWhole(await claudeTranscripts(logs), once);
        expect(await figures(stepwise.ledgerPath)).toEqual(await figures(once.ledgerPath));
      }),
      { numRuns: 12 },
    );
  });
});
