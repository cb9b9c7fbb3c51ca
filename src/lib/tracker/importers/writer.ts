/**
 * The part every importer shares: skip what the ledger already holds (the id
 * index beside it, see import-state.ts), complete and validate the rest like
 * any record, and append them in batches. One import at a time per ledger (a
 * lock beside it), so two hooks firing together cannot both add the same
 * response, whichever of a hook and `import` sees it first.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedConfig } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { appendFormattedRows, inspectLedger } from '../ledger/ledger.ts';
import { withLock } from '../ledger/lock.ts';
import type { RecordInput } from '../record/record.ts';
import { LATEST_SCHEMA_VERSION, type SchemaVersion } from '../schema.ts';
import { buildIdIndex, forgetStateOfMissingLedger, hasIdIndex, ImportedIds } from './import-state.ts';
import { emptyReadStats, type ReadStats } from './jsonl.ts';
import { RowMaker, type PreparedRows, type RowMaking } from './prepared-rows.ts';

/** Rows per append: each append takes the ledger's lock and syncs the file once, so a large import writes few, large batches. */
const BATCH_SIZE = 10_000;
const MAX_LISTED_REJECTIONS = 5;

export interface ImportTarget {
  loaded: LoadedConfig;
  ledgerPath: string;
  now?: Date;
  /** Shown while the id index is built from an existing ledger (once per ledger). */
  onIndexProgress?: (bytesRead: number) => void;
  /** Runs under the lock once every row is written: importers save their log cursors here. */
  afterWrite?: () => void;
  /** Where the `user` fallback (TOKEN_LEDGER_USER) is read; process.env when not given. */
  env?: NodeJS.ProcessEnv;
}

export interface WriteCounts {
  added: number;
  duplicates: number;
  /** Responses that break a ledger rule (e.g. more than 1,000,000 tokens); nothing is written for them. */
  rejected: number;
  /** The first few rejections, each naming the transaction id, field and rule. */
  rejections: string[];
}

/** The lock that serialises imports; it is not the ledger's own lock, which appends take to create the header. */
function importLockTarget(ledgerPath: string): string {
  return `${ledgerPath}.import`;
}

/** Makes sure the id index covers the ledger, building it from the ledger when missing. Call under the import lock. */
async function ensureIdIndex(ledgerPath: string, onProgress?: (bytesRead: number) => void): Promise<void> {
  forgetStateOfMissingLedger(ledgerPath);
  if (!hasIdIndex(ledgerPath)) await buildIdIndex(ledgerPath, onProgress);
}

/** Builds the id index of a ledger that has none, under the import lock (`init`, and a hook's background catch-up). */
export function indexImportedIds(ledgerPath: string, lockTimeoutMs: number, onProgress?: (bytesRead: number) => void): Promise<void> {
  return withLock(importLockTarget(ledgerPath), lockTimeoutMs, () => ensureIdIndex(ledgerPath, onProgress));
}

/** Rows an importer makes itself (on worker threads, say) once the import knows how: see prepared-rows.ts. */
export type ImportRows = (making: RowMaking) => AsyncIterable<PreparedRows>;

/**
 * Frees the memory of buffers no longer needed now, not at the heap's next
 * collection: a worker's rows come as buffers outside the heap, which this
 * thread's small heap let pile up to ~60 MB before collecting them (a cold
 * import's peak). Only a buffer that is the whole of its ArrayBuffer (one
 * made for it, never a slice of Node's shared pool) is freed; Node 20 has no
 * ArrayBuffer.prototype.transfer and leaves them to the collector.
 */
function freeNow(buffers: readonly ArrayBufferView[]): void {
  for (const view of buffers) {
    const buffer = view.buffer as ArrayBuffer & { detached?: boolean; transfer?: (length: number) => ArrayBuffer };
    if (buffer.detached === false && view.byteOffset === 0 && view.byteLength === buffer.byteLength) buffer.transfer?.(0);
  }
}

/**
 * The rows of one import waiting for their write. Each new row's id goes
 * into the id index as the row is taken (so a later copy in the same batch
 * is a duplicate too); the index writes its ids to disk only once the rows
 * are in the ledger.
 */
class PendingRows {
  private parts: Uint8Array[] = [];
  /** The prepared rows' line buffers the parts are views of, freed once written. */
  private heldBuffers: Uint8Array[] = [];
  private rows = 0;
  private readonly known: ImportedIds;
  private readonly ledgerPath: string;
  private readonly version: SchemaVersion;
  private readonly lockTimeoutMs: number;
  private readonly counts: WriteCounts;

  constructor(known: ImportedIds, target: { ledgerPath: string; version: SchemaVersion; lockTimeoutMs: number }, counts: WriteCounts) {
    this.known = known;
    this.ledgerPath = target.ledgerPath;
    this.version = target.version;
    this.lockTimeoutMs = target.lockTimeoutMs;
    this.counts = counts;
  }

  get size(): number {
    return this.rows;
  }

  /** Whether the ledger (or this batch) lacks the id; counts a duplicate when it does not. */
  isNew(id: string, time: string): boolean {
    return this.counted(this.known.has(id, time));
  }

  private counted(held: boolean): boolean {
    if (held) this.counts.duplicates += 1;
    return !held;
  }

  reject(reason: string): void {
    this.counts.rejected += 1;
    if (this.counts.rejections.length < MAX_LISTED_REJECTIONS) this.counts.rejections.push(reason);
  }

  /** Takes a new row; its line comes through addLines. */
  addRow(id: string, time: string): void {
    this.known.add(id, time);
    this.rows += 1;
  }

  addLines(bytes: Uint8Array): void {
    this.parts.push(bytes);
  }

  /** Adds what is new of rows made ahead, each run of consecutive new lines as one view of their bytes. */
  addPrepared(rows: PreparedRows): void {
    const { hashes, keyNumbers, keys, ids, idEnds, ends } = rows;
    let rejection = 0;
    let idStart = 0;
    let start = 0;
    let runStart = -1;
    for (let index = 0; index < hashes.length; index += 1) {
      const idEnd = idEnds[index] ?? idStart;
      const key = keys[keyNumbers[index] ?? -1];
      const hash = hashes[index] ?? 0;
      const isNew = this.counted(this.known.hasHashed(hash, key, ids, idStart, idEnd));
      const rejected = rows.rejections[rejection]?.index === index ? rows.rejections[rejection++] : undefined;
      if (isNew && rejected !== undefined) this.reject(rejected.reason);
      if (isNew && rejected === undefined) {
        this.known.addHashed(hash, key, ids, idStart, idEnd);
        this.rows += 1;
        if (runStart === -1) runStart = start;
      } else {
        if (runStart !== -1) this.addLines(rows.bytes.subarray(runStart, start));
        runStart = -1;
      }
      start = ends[index] ?? start;
      idStart = idEnd;
    }
    if (runStart !== -1) this.addLines(rows.bytes.subarray(runStart, start));
    freeNow([hashes, keyNumbers, ids, idEnds, ends]);
    this.heldBuffers.push(rows.bytes);
  }

  async flush(): Promise<void> {
    if (this.rows > 0) {
      const lines = Buffer.concat(this.parts);
      await appendFormattedRows(this.ledgerPath, lines, this.version, { lockTimeoutMs: this.lockTimeoutMs });
      // The rows first, then their ids: a crash in between can repeat a row (validate finds it), never lose one.
      this.known.flush();
      this.counts.added += this.rows;
      freeNow([lines]);
    }
    freeNow(this.heldBuffers);
    this.heldBuffers = [];
    this.parts = [];
    this.rows = 0;
  }
}

/**
 * Adds the candidates the ledger does not hold yet. Candidates come as
 * records (made into rows here, after the duplicates are left out) or as
 * rows an importer made itself.
 */
export async function writeImported(candidates: AsyncIterable<RecordInput> | ImportRows, target: ImportTarget, counts: WriteCounts): Promise<void> {
  const { loaded, ledgerPath } = target;
  const now = target.now ?? new Date();
  // Importers name the session themselves, so the environment only supplies the user fallback.
  // A copy: each read of process.env asks the C library, and every row reads it for its user.
  const env = target.env ?? { ...process.env };
  const lockTimeoutMs = loaded.config.lock_timeout_ms;
  // The import lock sits beside the ledger, so its folder must exist before the ledger does.
  mkdirSync(dirname(ledgerPath), { recursive: true, mode: 0o700 });
  await withLock(importLockTarget(ledgerPath), lockTimeoutMs, async () => {
    const { version: found } = inspectLedger(ledgerPath);
    if (found === 1) {
      throw new TrackerError('INVALID_LEDGER', `${ledgerPath} is a schema v1 ledger, which has no transaction_id column; imports need it to add each response once`, {
        hint: 'Run `token-ledger migrate` to rewrite it as v2 (a backup is kept), then import again.',
      });
    }
    await ensureIdIndex(ledgerPath, target.onIndexProgress);
    const making: RowMaking = { loaded, now, env, version: found ?? LATEST_SCHEMA_VERSION };
    const pending = new PendingRows(new ImportedIds(ledgerPath), { ledgerPath, version: making.version, lockTimeoutMs }, counts);
    if (typeof candidates === 'function') {
      for await (const rows of candidates(making)) {
        pending.addPrepared(rows);
        if (pending.size >= BATCH_SIZE) await pending.flush();
      }
    } else {
      const maker = new RowMaker(making);
      for await (const candidate of candidates) {
        const id = String(candidate.transaction_id);
        const time = String(candidate.timestamp);
        if (!pending.isNew(id, time)) continue;
        const made = maker.make(candidate);
        if (!made.ok) {
          pending.reject(made.reason);
          continue;
        }
        pending.addRow(id, time);
        pending.addLines(Buffer.from(made.line));
        if (pending.size >= BATCH_SIZE) await pending.flush();
      }
    }
    await pending.flush();
    target.afterWrite?.();
  });
}

/** What one import did: what was read, and what reached the ledger. */
export interface ImportSummary extends ReadStats, WriteCounts {
  source: string;
  ledger: string;
}

export function newImportSummary(source: string, ledger: string): ImportSummary {
  return { source, ledger, ...emptyReadStats(), added: 0, duplicates: 0, rejected: 0, rejections: [] };
}
