/**
 * The report cache: what each file of a ledger added up to, up to a byte
 * offset, for one query (grouping, date range, time zone, recent errors), so the next
 * report reads only the rows appended since. It is an optimisation, never a
 * source of truth: an entry is used only while the file is provably the one
 * it was made from and unchanged before the offset, and deleting the cache
 * changes no figure.
 *
 * One file per ledger and query in `.token-ledger-cache/` beside the ledger:
 * a sha256 of the payload, then the payload in V8's serialization (Node's
 * own; the elapsed-time distributions are typed arrays, stored as bytes).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { AggregatorState } from './aggregate.ts';
import type { RowLocations } from './row-locations.ts';
import { PRIVATE_DIR_MODE, removeAbandonedTemps, replaceFileAtomically } from '../ledger/atomic.ts';
import type { SchemaVersion } from '../schema.ts';

/** Bumped whenever what an entry holds or means changes; a cache of another format is ignored. */
export const SCAN_CACHE_FORMAT = 3;
export const SCAN_CACHE_DIR = '.token-ledger-cache';
/** How many bytes before the offset (and at the file's start) the fingerprint covers. */
const FINGERPRINT_BYTES = 4096;
/** Queries remembered per ledger; the least recently written go first. */
const CACHE_FILES_PER_LEDGER = 8;
const CHECKSUM_BYTES = 32;

/** What the rows of a stretch of one file add up to. */
export interface FileSummary {
  state: AggregatorState;
  invalidRows: number;
  /** Hashes of the valid rows' transaction ids, when several ledgers are read (see ledger-scan.ts). */
  ids?: Float64Array;
  /** Where the counted rows are, by session, when the query locates them. */
  rows?: RowLocations;
}

export interface CachedFile {
  /** Device, inode and birth time: a rename of a new file into place (every rewrite) gives another. */
  identity: string;
  /** The file's name when cached, for people reading the cache; lookups go by identity, so a rotated part keeps its entry. */
  name: string;
  version: SchemaVersion;
  /** The rows in [0, offset) are summed up; offset is a row boundary at the end of a newline. */
  offset: number;
  fingerprint: string;
  summary: FileSummary;
  /** The latest clock the rows were checked against: with an earlier clock, a row counted valid might be in the future. */
  judgedAt: number;
  /** When a row rejected as being in the future would become valid (Infinity when none was). */
  staleAt: number;
}

interface CachePayload {
  format: number;
  ledger: string;
  query: string;
  files: CachedFile[];
}

/** A file's identity (device, inode, birth time) and size, in one stat. */
export function snapshotOf(file: string): { identity: string; size: number } {
  const stat = statSync(file, { bigint: true });
  return { identity: `${stat.dev}:${stat.ino}:${stat.birthtimeNs}`, size: Number(stat.size) };
}

/** sha256 of the first and of the last FINGERPRINT_BYTES before `offset`: an append leaves both alone, almost any other change does not. */
export function fingerprintOf(file: string, offset: number): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(FINGERPRINT_BYTES);
    for (const start of [0, Math.max(0, offset - FINGERPRINT_BYTES)]) {
      const read = readSync(fd, buffer, 0, Math.min(FINGERPRINT_BYTES, offset - start), start);
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return `${offset}:${hash.digest('hex')}`;
}

function cachePathFor(ledgerPath: string, query: string): string {
  const queryHash = createHash('sha256').update(query).digest('hex').slice(0, 16);
  return join(dirname(ledgerPath), SCAN_CACHE_DIR, `${basename(ledgerPath)}.${queryHash}.cache`);
}

/** The cached files of a ledger for a query, by identity; empty when the cache is missing, damaged or of another format. */
export function loadScanCache(ledgerPath: string, query: string): Map<string, CachedFile> {
  const entries = new Map<string, CachedFile>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(cachePathFor(ledgerPath, query));
  } catch {
    return entries;
  }
  const payload = bytes.subarray(CHECKSUM_BYTES);
  if (bytes.length <= CHECKSUM_BYTES || !createHash('sha256').update(payload).digest().equals(bytes.subarray(0, CHECKSUM_BYTES))) return entries;
  let cache: CachePayload;
  try {
    cache = deserialize(payload) as CachePayload;
  } catch {
    return entries;
  }
  if (cache.format !== SCAN_CACHE_FORMAT || cache.ledger !== ledgerPath || cache.query !== query) return entries;
  for (const file of cache.files) entries.set(file.identity, file);
  return entries;
}

/**
 * Writes a ledger's cache for a query (0600, by rename), and drops the
 * oldest query files past CACHE_FILES_PER_LEDGER. A cache that cannot be
 * written is no error: the next report reads every row again.
 */
export async function saveScanCache(ledgerPath: string, query: string, files: CachedFile[]): Promise<void> {
  const target = cachePathFor(ledgerPath, query);
  const folder = dirname(target);
  try {
    mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
    removeAbandonedTemps(folder, 60_000);
    const payload = serialize({ format: SCAN_CACHE_FORMAT, ledger: ledgerPath, query, files } satisfies CachePayload);
    const checksum = createHash('sha256').update(payload).digest();
    await replaceFileAtomically(
      target,
      // Two writes, not one concatenation: the site's cache is ~43 MB.
      [checksum, payload],
      // No fsync: a cache torn by a power cut fails its checksum and is read around.
      { durable: false },
    );
    const prefix = `${basename(ledgerPath)}.`;
    const ours = readdirSync(folder)
      .filter((name) => name.startsWith(prefix) && name.endsWith('.cache') && name.length === prefix.length + 16 + '.cache'.length)
      .map((name) => ({ path: join(folder, name), mtime: statSync(join(folder, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const stale of ours.slice(CACHE_FILES_PER_LEDGER)) rmSync(stale.path, { force: true });
  } catch {
    // An optimisation only: a read-only folder or a full disk costs speed, not figures.
  }
}
