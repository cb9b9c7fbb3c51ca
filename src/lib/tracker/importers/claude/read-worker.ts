/**
 * A worker thread of a parallel import (parallel.ts): reads the transcripts
 * of each task it is sent and posts back their records, cursors and counts.
 */
import { parentPort } from 'node:worker_threads';
import { emptyReadStats } from '../jsonl.ts';
import { transcriptRecords, type TranscriptRead } from './parser.ts';
import type { TaskResult } from './parallel.ts';

const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread of parallel.ts');

port.on('message', async (reads: TranscriptRead[]) => {
  const stats = emptyReadStats();
  const transcripts: TaskResult['transcripts'] = [];
  for (const read of reads) transcripts.push(await transcriptRecords(read, stats));
  const result: TaskResult = { transcripts, stats };
  port.postMessage(result);
});
