/**
 * A worker thread of a parallel import (parallel.ts): reads each task it is
 * sent (task.ts) and posts back the rows, the cursors and the counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RowBatcher, RowMaker, transferables, type RowMaking } from '../prepared-rows.ts';
import type { TranscriptRead } from './parser.ts';
import { readTask } from './task.ts';

const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread of parallel.ts');
const batcher = new RowBatcher(new RowMaker(workerData as RowMaking));

port.on('message', async (reads: TranscriptRead[]) => {
  const result = await readTask(reads, batcher);
  // The rows' buffers move to the writing thread rather than being copied.
  port.postMessage(result, transferables(result.rows));
});
