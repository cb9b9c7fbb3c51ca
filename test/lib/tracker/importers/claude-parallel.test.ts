import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateClaudeLogs } from '../../../../scripts/generate-agent-logs.ts';
import { claudeRecordsInParallel, type ParallelOptions } from '../../../../src/lib/tracker/importers/claude/parallel.ts';
import { claudeRecords } from '../../../../src/lib/tracker/importers/claude/parser.ts';
import { claudeTranscripts } from '../../../../src/lib/tracker/importers/claude/paths.ts';
import { emptyReadStats, type ReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { importWorkspace } from './helpers.ts';

async function collect(read: (stats: ReadStats) => AsyncIterable<RecordInput>): Promise<{ records: RecordInput[]; stats: ReadStats }> {
  const stats = emptyReadStats();
  const records: RecordInput[] = [];
  for await (const record of read(stats)) records.push(record);
  return { records, stats };
}

/** Every task a file or two, so the workers take turns and results come back out of order. */
const SMALL_TASKS: ParallelOptions = { threads: 2, minBytes: 0, taskBytes: 4096 };

describe('reading Claude Code transcripts on worker threads', () => {
  it('gives the records, in order, and the counts of one thread', async () => {
    const { root } = importWorkspace();
    generateClaudeLogs(join(root, 'claude'), { responses: 500, seed: 5 });
    const files = await claudeTranscripts(join(root, 'claude'));
    const alone = await collect((stats) => claudeRecords(files, stats));
    const shared = await collect((stats) => claudeRecordsInParallel(files, stats, {}, SMALL_TASKS));
    expect(shared.records).toEqual(alone.records);
    expect(shared.stats).toEqual(alone.stats);
    expect(shared.stats.responses).toBeGreaterThan(400);
  });

  it('stays on this thread below the size that pays for starting workers, with the same result', async () => {
    const { root } = importWorkspace();
    generateClaudeLogs(join(root, 'claude'), { responses: 50, seed: 6 });
    const files = await claudeTranscripts(join(root, 'claude'));
    const alone = await collect((stats) => claudeRecords(files, stats));
    expect(await collect((stats) => claudeRecordsInParallel(files, stats, {}, { threads: 2 }))).toEqual(alone);
  });

  it("fails the import when a worker cannot read a transcript, as one thread's read does", async () => {
    const { root } = importWorkspace();
    generateClaudeLogs(join(root, 'claude'), { responses: 200, seed: 8 });
    const files = await claudeTranscripts(join(root, 'claude'));
    const vanished = files.at(-1) ?? '';
    const read = claudeRecordsInParallel(files, emptyReadStats(), {}, SMALL_TASKS);
    // The transcript goes after the reads are planned, before a worker opens it.
    const first = await read.next();
    expect(first.done).toBe(false);
    rmSync(vanished);
    await expect(collect(() => read)).rejects.toThrow(/ENOENT/);
  });
});
