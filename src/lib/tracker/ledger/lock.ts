/**
 * An exclusive lock beside a file, for the operations that must not overlap
 * (header creation, rewrites). proper-lockfile keeps the lock fresh while it
 * is held, treats a lock whose holder died as stale, and releases held locks
 * when the process exits on a signal.
 */
import { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import { TrackerError } from '../errors.ts';

/** A lock not refreshed for this long belongs to a dead process and is taken over. */
export const STALE_LOCK_MS = 5000;
// Appends hold the lock for well under a millisecond; waiters poll soon, with jitter so they do not retry in step.
const RETRY_DELAY_MIN_MS = 1;
const RETRY_DELAY_JITTER_MS = 4;

export function lockPathFor(target: string): string {
  return `${target}.lock`;
}

type Callback = (error: unknown, result?: unknown) => void;

/** An fs call made synchronously, its callback run on the next tick as an async call's would be. */
function deferredCallback(operation: (...args: never[]) => unknown) {
  return (...args: unknown[]) => {
    const callback = args.pop() as Callback;
    try {
      const result = (operation as (...operands: unknown[]) => unknown)(...args);
      process.nextTick(callback, null, result);
    } catch (error) {
      process.nextTick(callback, error);
    }
  };
}

/**
 * The fs proper-lockfile works with. A lock is a few calls on one local
 * folder (mkdir, utimes, stat, rmdir); made asynchronously they would start
 * libuv's thread pool, four threads a hook process needs for nothing else.
 * One object for the process: proper-lockfile keeps the probed mtime
 * precision on it.
 */
const lockFs = {
  mkdir: deferredCallback(mkdirSync),
  realpath: deferredCallback(realpathSync),
  rmdir: deferredCallback(rmdirSync),
  stat: deferredCallback(statSync),
  utimes: deferredCallback(utimesSync),
  rmdirSync,
};

const EXIT_SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type ExitSignal = keyof typeof EXIT_SIGNALS;

/**
 * One attempt at the lock. proper-lockfile releases the locks it knows of
 * when a signal ends the process, but it only knows a lock a few event-loop
 * turns after creating its folder; a SIGINT or SIGTERM in between would leave
 * the folder behind. So for the length of the attempt the signal is held
 * back (a listener of our own makes signal-exit stand aside), and acted on
 * once the lock is either taken and released again, or not taken.
 */
async function lockWithSignalsDeferred(target: string): Promise<() => Promise<void>> {
  let deferred: ExitSignal | undefined;
  const listeners = (Object.keys(EXIT_SIGNALS) as ExitSignal[]).map((signal) => {
    const listener = () => {
      deferred ??= signal;
    };
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  let release: (() => Promise<void>) | undefined;
  try {
    release = await lockfile.lock(target, { realpath: false, stale: STALE_LOCK_MS, lockfilePath: lockPathFor(target), fs: lockFs });
    return release;
  } finally {
    for (const remove of listeners) remove();
    if (deferred) {
      await release?.();
      process.exit(128 + EXIT_SIGNALS[deferred]);
    }
  }
}

export async function withLock<T>(target: string, timeoutMs: number, action: () => Promise<T> | T): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    try {
      release = await lockWithSignalsDeferred(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
        throw new TrackerError('LEDGER_UNWRITABLE', `Cannot take the lock ${lockPathFor(target)} (${code}): ${(error as Error).message}`, {
          hint: 'The lock is a folder created beside the ledger; check that the folder is writable and the disk has space.',
          cause: error,
        });
      }
      if (Date.now() >= deadline) {
        throw new TrackerError('LOCK_TIMEOUT', `The lock ${lockPathFor(target)} is still held after ${timeoutMs} ms`, {
          hint: `Another token-ledger process is working on ${target}; retry, or raise lock_timeout_ms. A lock left by a killed process is recovered after ${STALE_LOCK_MS / 1000} s.`,
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MIN_MS + Math.random() * RETRY_DELAY_JITTER_MS));
    }
  }
  try {
    return await action();
  } finally {
    await release();
  }
}

export type LockState = 'free' | 'held' | 'stale';

/** Whether someone holds the lock on `target` now, for `doctor`. */
export function lockState(target: string, now = Date.now()): LockState {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(lockPathFor(target)).mtimeMs;
  } catch {
    return 'free';
  }
  return now - mtimeMs > STALE_LOCK_MS ? 'stale' : 'held';
}
