/**
 * Crash-safe file replacement: write a temp file beside the target, fsync
 * it, rename it over the target and fsync the folder. A process killed at any
 * moment leaves either the old file or the new one, never a mix; the temp
 * file it may leave behind is named so later runs recognise and remove it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
const TEMP_MARKER = '.tmp-';

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

type Stage = NodeJS.ReadWriteStream;

/**
 * Streams `chunks` (through `stages`, e.g. gzip) into a temp file and moves it
 * over `target`, durably unless `durable` is false. When `shouldCommit` says no once writing is done (the
 * content did not change), the temp file is dropped and the target kept.
 * The temp file is removed if anything fails. Returns whether it replaced.
 */
export async function replaceFileAtomically(
  target: string,
  chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
  options: { stages?: Stage[]; shouldCommit?: () => boolean; durable?: boolean } = {},
): Promise<boolean> {
  // durable: false skips the fsyncs, for a file whose loss or tearing in a power cut is detected and harmless (a cache).
  const durable = options.durable ?? true;
  const temp = tempPathFor(target);
  try {
    const streams: (NodeJS.ReadableStream | Stage | NodeJS.WritableStream)[] = [
      Readable.from(chunks),
      ...(options.stages ?? []),
      createWriteStream(temp, { mode: PRIVATE_FILE_MODE, flags: 'wx' }),
    ];
    await pipeline(streams);
    if (options.shouldCommit && !options.shouldCommit()) {
      rmSync(temp, { force: true });
      return false;
    }
    if (durable) fsyncPath(temp);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (durable) fsyncPath(dirname(target));
  return true;
}

/**
 * Removes the temp files killed processes left in `folder` (only those whose
 * names start with `prefix`). Under a target's lock no temp file of that
 * target can be in flight, so `olderThanMs` may then be 0.
 */
export function removeAbandonedTemps(folder: string, olderThanMs: number, prefix = '.'): number {
  const now = Date.now();
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.includes(TEMP_MARKER)) continue;
    const path = join(folder, name);
    try {
      if (now - statSync(path).mtimeMs < olderThanMs) continue;
      rmSync(path, { force: true });
      removed += 1;
    } catch {
      // Another process removed or renamed it first.
    }
  }
  return removed;
}

/** The name prefix of `target`'s temp files, for removeAbandonedTemps. */
export function tempPrefixOf(target: string): string {
  return `.${basename(target)}${TEMP_MARKER}`;
}
