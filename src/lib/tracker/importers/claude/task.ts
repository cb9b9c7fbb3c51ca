/**
 * One task of a parallel import (parallel.ts): a few transcripts read in
 * turn and made into ledger rows, with each transcript's cursor after the
 * read and what the reading counted.
 */
import { emptyReadStats, type ReadStats } from '../jsonl.ts';
import type { LogCursor } from '../log-cursor.ts';
import type { PreparedRows, RowBatcher } from '../prepared-rows.ts';
import { transcriptRecords, type ClaudeCarry, type TranscriptRead } from './parser.ts';

export interface TaskResult {
  cursors: LogCursor<ClaudeCarry>[];
  rows: PreparedRows;
  stats: ReadStats;
}

export async function readTask(reads: readonly TranscriptRead[], batcher: RowBatcher): Promise<TaskResult> {
  const stats = emptyReadStats();
  const cursors: LogCursor<ClaudeCarry>[] = [];
  for (const read of reads) {
    const { records, next } = await transcriptRecords(read, stats);
    for (const record of records) batcher.add(record);
    cursors.push(next);
  }
  return { cursors, rows: batcher.take(), stats };
}
