/**
 * Reading agents' JSON Lines logs, shared by every importer: the files are
 * streamed one line at a time (they reach hundreds of megabytes), lines that
 * are not JSON are counted instead of stopping the read (a log being written
 * can end in a torn line, and one bad line must not hide the rest), and
 * logged times are brought into the ledger's forms.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export type JsonLine = { line: number; ok: true; value: unknown } | { line: number; ok: false };

export async function* readJsonLines(path: string): AsyncGenerator<JsonLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, ok: false };
        continue;
      }
      yield { line, ok: true, value };
    }
  } finally {
    // A reader that stops early (one that wants only the first line) must not leave the file open.
    lines.close();
    input.destroy();
  }
}

/** The first line of a JSON Lines file, parsed; undefined when the file is empty or that line is not JSON. */
export async function firstJsonLine(path: string): Promise<unknown> {
  for await (const entry of readJsonLines(path)) return entry.ok ? entry.value : undefined;
  return undefined;
}

/**
 * A log file that holds one JSON document (small enough to read whole; a
 * Gemini CLI session, an OpenCode message), counted as one line; undefined
 * when it is not JSON (a file caught mid-write), which counts as a bad line.
 */
export async function readJsonDocument(path: string, stats: ReadStats): Promise<{ value: unknown } | undefined> {
  const text = await readFile(path, 'utf8');
  stats.lines += 1;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    stats.bad_lines += 1;
    return undefined;
  }
}

/** Seconds between two logged timestamps, kept inside the ledger's elapsed_time range. */
export function elapsedSeconds(startIso: string | undefined, endIso: string, bounds: { min: number; max: number }): number {
  const start = startIso === undefined ? Number.NaN : Date.parse(startIso);
  const seconds = (Date.parse(endIso) - start) / 1000;
  if (!Number.isFinite(seconds)) return bounds.min;
  return Math.min(bounds.max, Math.max(bounds.min, seconds));
}

/** A logged timestamp in the ledger's form (UTC, milliseconds), or undefined when it is not a date. */
export function ledgerTimestamp(text: string): string | undefined {
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** What reading an agent's logs saw, whatever became of it in the ledger. */
export interface ReadStats {
  files: number;
  lines: number;
  /** Lines that are not JSON (torn writes, truncated files); skipped. */
  bad_lines: number;
  /** Usage entries found (one per API response or turn), before deduplication against the ledger. */
  responses: number;
  /** Entries deliberately left out, by reason. */
  skipped: Record<string, number>;
}

export function emptyReadStats(): ReadStats {
  return { files: 0, lines: 0, bad_lines: 0, responses: 0, skipped: {} };
}

export function countSkipped(stats: ReadStats, reason: string): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
}

/** Adds what another reader counted (a worker thread's share of an import) into `stats`. */
export function addReadStats(stats: ReadStats, more: ReadStats): void {
  stats.files += more.files;
  stats.lines += more.lines;
  stats.bad_lines += more.bad_lines;
  stats.responses += more.responses;
  for (const [reason, count] of Object.entries(more.skipped)) stats.skipped[reason] = (stats.skipped[reason] ?? 0) + count;
}
