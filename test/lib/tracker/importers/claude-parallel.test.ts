import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateClaudeLogs } from '../../../../scripts/generate-agent-logs.ts';
import { claudeRowsInParallel, type ParallelOptions } from '../../../../src/lib/tracker/importers/claude/parallel.ts';
import { claudeTranscripts } from '../../../../src/lib/tracker/importers/claude/paths.ts';
import { emptyReadStats, type ReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import type { RowMaking } from '../../../../src/lib/tracker/importers/prepared-rows.ts';
import type { ImportRows } from '../../../../src/lib/tracker/importers/writer.ts';
import { importWorkspace } from './helpers.ts';

/** What rows made ahead say, joined up: the lines, and each candidate's id hash, id, index key and rejection. */
async function collect(read: (stats: ReadStats) => ImportRows, making: RowMaking) {
  const stats = emptyReadStats();
  let text = '';
  const candidates: unknown[] = [];
  for await (const rows of read(stats)(making)) {
    text += Buffer.from(rows.bytes).toString('utf8');
    let idStart = 0;
    for (let index = 0; index < rows.hashes.length; index += 1) {
      const idEnd = rows.idEnds[index] ?? 0;
      const rejection = rows.rejections.find((entry) => entry.index === index)?.reason;
      candidates.push([rows.hashes[index], Buffer.from(rows.ids.subarray(idStart, idEnd)).toString('utf8'), rows.keys[rows.keyNumbers[index] ?? -1], rejection]);
      idStart = idEnd;
    }
  }
  return { text, candidates, stats };
}

async function setUp(responses: number, seed: number) {
  const { root, target } = importWorkspace();
  generateClaudeLogs(join(root, 'claude'), { responses, seed });
  const making: RowMaking = { loaded: target.loaded, now: new Date(), env: {}, version: 3 };
  return { making, files: await claudeTranscripts(join(root, 'claude')) };
}

/** Every task a file or two, so the workers take turns and results come back out of order. */
const SMALL_TASKS: ParallelOptions = { threads: 2, minBytes: 0, taskBytes: 4096 };

describe('reading Claude Code transcripts on worker threads', () => {
  it('gives the rows, in order, and the counts of one thread', async () => {
    const { making, files } = await setUp(500, 5);
    const alone = await collect((stats) => claudeRowsInParallel(files, stats, {}, { threads: 0 }), making);
    const shared = await collect((stats) => claudeRowsInParallel(files, stats, {}, SMALL_TASKS), making);
    expect(shared).toEqual(alone);
    expect(shared.stats.responses).toBeGreaterThan(400);
    expect(shared.text.split('\n')).toHaveLength(shared.stats.responses + 1);
  });

  it('stays on this thread below the size that pays for starting workers, with the same result', async () => {
    const { making, files } = await setUp(50, 6);
    const alone = await collect((stats) => claudeRowsInParallel(files, stats, {}, { threads: 0 }), making);
    expect(await collect((stats) => claudeRowsInParallel(files, stats, {}, { threads: 2 }), making)).toEqual(alone);
  });

  it('reads a task again on this thread when a worker runs out of heap, with the same result', async () => {
    const { making, files } = await setUp(300, 7);
    const alone = await collect((stats) => claudeRowsInParallel(files, stats, {}, { threads: 0 }), making);
    // A heap too small for any task: every worker runs out of it.
    expect(await collect((stats) => claudeRowsInParallel(files, stats, {}, { ...SMALL_TASKS, taskBytes: 64 << 10, workerHeapMb: 6 }), making)).toEqual(alone);
  });

  it("fails the import when a worker cannot read a transcript, as one thread's read does", async () => {
    const { making, files } = await setUp(200, 8);
    const vanished = files.at(-1) ?? '';
    const read = claudeRowsInParallel(files, emptyReadStats(), {}, SMALL_TASKS)(making)[Symbol.asyncIterator]();
    // The transcript goes after the reads are planned, before a worker opens it.
    const first = await read.next();
    expect(first.done).toBe(false);
    rmSync(vanished);
    await expect((async () => {
      for (let step = await read.next(); !step.done; step = await read.next());
    })()).rejects.toThrow(/ENOENT/);
  });
});
