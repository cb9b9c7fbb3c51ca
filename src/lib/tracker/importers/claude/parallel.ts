/**
 * `import claude` on worker threads: the transcripts to read are cut into
 * tasks of a few MB, which worker threads (read-worker.ts) read, check and
 * format into ledger rows, while this thread only leaves out what the
 * ledger holds and appends the rows' bytes. Results are taken in file
 * order, so the ledger, the counts and the cursors are those of one thread
 * reading the files in turn; only a few tasks are in flight at a time, so
 * memory stays bounded whatever the size of the history. A small read (a
 * re-import, a few new lines) stays on this thread: starting workers would
 * cost more. The hooks never load this module.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { addReadStats, type ReadStats } from '../jsonl.ts';
import { RowBatcher, RowMaker, type PreparedRows, type RowMaking } from '../prepared-rows.ts';
import type { ImportRows } from '../writer.ts';
import { planTranscriptReads, plannedRecords, type ClaudeReadOptions, type TranscriptRead } from './parser.ts';
import { readTask, type TaskResult } from './task.ts';

export interface ParallelOptions {
  /** Worker threads (default: one per core, at most four, see DEFAULT_THREADS); 0 reads everything here. */
  threads?: number;
  /** Unread bytes below which the read stays on this thread. */
  minBytes?: number;
  /** Bytes of transcript per task. */
  taskBytes?: number;
  /** A worker's old-generation heap, in MB (see WORKER_OLD_GENERATION_MB). */
  workerHeapMb?: number;
}

/**
 * Workers read, parse, check and format: all but the de-duplication and the
 * writes, which keep this thread busy about a quarter of the time with two
 * workers. So one worker per core (the three threads share two cores), at
 * most four, since each costs its heap and this thread's share soon limits;
 * none on one core.
 */
const MAX_DEFAULT_THREADS = 4;
const DEFAULT_THREADS = availableParallelism() > 1 ? Math.min(availableParallelism(), MAX_DEFAULT_THREADS) : 0;
const MIN_PARALLEL_BYTES = 32 << 20;
const TASK_BYTES = 4 << 20;
/** Tasks read ahead of the one being taken, per worker: enough that a worker seldom waits for this thread, few enough to bound memory. */
const TASKS_PER_WORKER = 2;
/**
 * A worker's heap limits. V8 lets an old generation whose limit is 2 GB or
 * more grow to four times what it keeps alive, one with a lower limit to at
 * most twice: with about 8 MB alive per worker, 1 GB took ~40 MB off the
 * peak of two workers. A task that needs more than that (a transcript of
 * hundreds of thousands of responses) is read again on this thread. A
 * small young generation: a worker's garbage is a task's lines.
 */
const WORKER_OLD_GENERATION_MB = 1024;
const WORKER_YOUNG_GENERATION_MB = 4;

/**
 * Source runs read the TypeScript beside this file. The built CLI bundles the
 * worker at its root (scripts/build-cli.ts): beside `import.cjs`, the
 * command's own bundle, and one folder above main.mjs's chunks.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./read-worker.ts', import.meta.url)
  : new URL(import.meta.url.endsWith('.cjs') ? './claude-read-worker.mjs' : '../claude-read-worker.mjs', import.meta.url);

function unreadBytes(read: TranscriptRead): number {
  return Math.max(0, read.cursor.size - read.cursor.offset);
}

/** Consecutive reads grouped into tasks of about `taskBytes` each. */
function intoTasks(reads: readonly TranscriptRead[], taskBytes: number): TranscriptRead[][] {
  const tasks: TranscriptRead[][] = [];
  let task: TranscriptRead[] = [];
  let bytes = 0;
  for (const read of reads) {
    task.push(read);
    bytes += unreadBytes(read);
    if (bytes >= taskBytes) {
      tasks.push(task);
      task = [];
      bytes = 0;
    }
  }
  if (task.length > 0) tasks.push(task);
  return tasks;
}

interface TaskReader {
  read(task: readonly TranscriptRead[]): Promise<TaskResult>;
}

/** One worker thread, one task at a time; a crash fails the task it was reading, and every later one. */
class ReadWorker implements TaskReader {
  private readonly worker: Worker;
  private current: { resolve: (result: TaskResult) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(making: RowMaking, heapMb: number) {
    this.worker = new Worker(WORKER_URL, { workerData: making, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: heapMb } });
    this.worker.on('message', (result: TaskResult) => this.settle()?.resolve(result));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`an import worker stopped (exit code ${code})`)));
  }

  private settle() {
    const current = this.current;
    this.current = undefined;
    return current;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.settle()?.reject(this.failure);
  }

  read(task: readonly TranscriptRead[]): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.current = { resolve, reject };
      this.worker.postMessage(task);
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Tasks read on this thread: those a worker ran out of heap for. */
class LocalReader implements TaskReader {
  private readonly maker: RowMaker;

  constructor(making: RowMaking) {
    this.maker = new RowMaker(making);
  }

  /** Each read its own batcher: two workers can run out of heap at once, and their tasks' reads then interleave here. */
  read(task: readonly TranscriptRead[]): Promise<TaskResult> {
    return readTask(task, new RowBatcher(this.maker));
  }
}

function isOutOfMemory(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Rows per batch when the read stays on this thread. */
const BATCH_ROWS = 2_000;

/**
 * The rows of the records claudeRecords reads, with the same counts and
 * cursor moves, read on `threads` worker threads when there is enough to
 * read.
 */
export function claudeRowsInParallel(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions = {}, parallel: ParallelOptions = {}): ImportRows {
  return (making) => rowsInParallel(files, stats, options, parallel, making);
}

async function* rowsInParallel(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions, parallel: ParallelOptions, making: RowMaking): AsyncGenerator<PreparedRows> {
  const reads = planTranscriptReads(files, stats, options);
  const threads = parallel.threads ?? DEFAULT_THREADS;
  const bytes = reads.reduce((total, read) => total + unreadBytes(read), 0);
  if (threads < 1 || bytes < (parallel.minBytes ?? MIN_PARALLEL_BYTES)) {
    const batcher = new RowBatcher(new RowMaker(making));
    for await (const record of plannedRecords(reads, stats, options.cursors)) {
      batcher.add(record);
      if (batcher.size >= BATCH_ROWS) yield batcher.take();
    }
    yield batcher.take();
    return;
  }
  const tasks = intoTasks(reads, parallel.taskBytes ?? TASK_BYTES);
  const heapMb = parallel.workerHeapMb ?? WORKER_OLD_GENERATION_MB;
  const workers = Array.from({ length: Math.min(threads, tasks.length) }, () => new ReadWorker(making, heapMb));
  const idle = [...workers];
  let local: LocalReader | undefined;
  const results = new Map<number, Promise<TaskResult>>();
  let sent = 0;
  let taken = 0;
  const start = (worker: ReadWorker, task: readonly TranscriptRead[]): Promise<TaskResult> =>
    worker.read(task).then(
      (result) => {
        idle.push(worker);
        dispatch();
        return result;
      },
      (error: unknown) => {
        if (!isOutOfMemory(error)) throw error;
        // The task needs more heap than a worker has: it is read here, and a new worker takes the next.
        const replacement = new ReadWorker(making, heapMb);
        workers[workers.indexOf(worker)] = replacement;
        idle.push(replacement);
        dispatch();
        local ??= new LocalReader(making);
        return local.read(task);
      },
    );
  // Hands tasks to idle workers, never more than a few ahead of the one being taken.
  const dispatch = () => {
    while (idle.length > 0 && sent < tasks.length && sent < taken + workers.length * TASKS_PER_WORKER) {
      const result = start(idle.pop() as ReadWorker, tasks[sent] ?? []);
      // Awaited in its turn; a failure surfaces there, not as an unhandled rejection.
      result.catch(() => undefined);
      results.set(sent, result);
      sent += 1;
    }
  };
  try {
    for (; taken < tasks.length; taken += 1) {
      dispatch();
      const result = await (results.get(taken) as Promise<TaskResult>);
      results.delete(taken);
      addReadStats(stats, result.stats);
      yield result.rows;
      for (const cursor of result.cursors) options.cursors?.moveTo(cursor);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
