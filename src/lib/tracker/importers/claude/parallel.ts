/**
 * `import claude` on more cores than two: the transcripts to read are cut into tasks
 * of a few MB, which worker threads (read-worker.ts) read while this thread
 * dedups, validates and writes. Results are taken in file order, so the
 * ledger, the counts and the cursors are those of one thread reading the
 * files in turn; only a few tasks are in flight at a time, so memory stays
 * bounded whatever the size of the history. A small read (a re-import, a
 * few new lines) stays on this thread: starting workers would cost more.
 * The hooks never load this module.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RecordInput } from '../../record/record.ts';
import { addReadStats, type ReadStats } from '../jsonl.ts';
import type { LogCursor } from '../log-cursor.ts';
import { planTranscriptReads, plannedRecords, type ClaudeCarry, type ClaudeReadOptions, type TranscriptRead } from './parser.ts';

/** What a worker posts back for one task: each transcript's records and cursor, in the task's order, and what it counted. */
export interface TaskResult {
  transcripts: { records: RecordInput[]; next: LogCursor<ClaudeCarry> }[];
  stats: ReadStats;
}

export interface ParallelOptions {
  /** Worker threads (default: one per core beyond two, see DEFAULT_THREADS); 0 reads everything here. */
  threads?: number;
  /** Unread bytes below which the read stays on this thread. */
  minBytes?: number;
  /** Bytes of transcript per task. */
  taskBytes?: number;
}

/**
 * This thread writes the ledger, which is about half of an import's work,
 * and every record a worker reads is copied across to it: on two cores,
 * `import claude --threads 1` of the bench's 300k responses took 20-25%
 * more CPU and 90-120 MB more memory than `--threads 0`, and finished
 * later. So workers start from the third core on.
 */
const DEFAULT_THREADS = Math.max(0, availableParallelism() - 2);
const MIN_PARALLEL_BYTES = 32 << 20;
const TASK_BYTES = 4 << 20;
/** Tasks read ahead of the one being taken, per worker: enough that a worker seldom waits for this thread, few enough to bound memory. */
const TASKS_PER_WORKER = 2;
const WORKER_YOUNG_GENERATION_MB = 8;

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

/** One worker thread, one task at a time; a crash fails the task it was reading, and every later one. */
class ReadWorker {
  // A small young generation: a worker's garbage is a task's lines, and the process's peak memory counts every worker's heap.
  private readonly worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  private current: { resolve: (result: TaskResult) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor() {
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

/**
 * The same records, counts and cursor moves as claudeRecords, read on
 * `threads` worker threads when there is enough to read.
 */
export async function* claudeRecordsInParallel(files: readonly string[], stats: ReadStats, options: ClaudeReadOptions = {}, parallel: ParallelOptions = {}): AsyncGenerator<RecordInput> {
  const reads = planTranscriptReads(files, stats, options);
  const threads = parallel.threads ?? DEFAULT_THREADS;
  const bytes = reads.reduce((total, read) => total + unreadBytes(read), 0);
  if (threads < 1 || bytes < (parallel.minBytes ?? MIN_PARALLEL_BYTES)) {
    yield* plannedRecords(reads, stats, options.cursors);
    return;
  }
  const tasks = intoTasks(reads, parallel.taskBytes ?? TASK_BYTES);
  const workers = Array.from({ length: Math.min(threads, tasks.length) }, () => new ReadWorker());
  const idle = [...workers];
  const results = new Map<number, Promise<TaskResult>>();
  let sent = 0;
  let taken = 0;
  // Hands tasks to idle workers, never more than a few ahead of the one being taken.
  const dispatch = () => {
    while (idle.length > 0 && sent < tasks.length && sent < taken + workers.length * TASKS_PER_WORKER) {
      const worker = idle.pop() as ReadWorker;
      const result = worker.read(tasks[sent] ?? []);
      // Awaited in its turn; a failure surfaces there, not as an unhandled rejection.
      result.then(() => {
        idle.push(worker);
        dispatch();
      }, () => undefined);
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
      for (const { records, next } of result.transcripts) {
        yield* records;
        options.cursors?.moveTo(next);
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
