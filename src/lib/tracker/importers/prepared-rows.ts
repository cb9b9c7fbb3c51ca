/**
 * Imported records made into ledger rows ahead of the write: completed like
 * any record, checked against the rules and formatted, on the thread that
 * read them (a worker, in a large Claude Code import). The thread that
 * writes then only leaves out what the ledger holds and appends text, so
 * what crosses between threads is text: each candidate's transaction id and
 * time (all the de-duplication needs), the formatted lines, and for a record
 * that breaks a rule, why.
 */
import type { LoadedConfig } from '../config.ts';
import { formatFieldIssue } from '../errors.ts';
import { csvLine } from '../ledger/csv-line.ts';
import { recordToCells } from '../ledger/row.ts';
import { completeRecord, type RecordInput } from '../record/record.ts';
import { columnsFor, type Column, type RecordRuleContext, type SchemaVersion } from '../schema.ts';
import { checkRecord } from '../validate.ts';
import { idHash, indexKeyOf } from './index-keys.ts';

/** What one import makes its rows with: the config, clock and environment, and the schema version of the ledger it appends to. */
export interface RowMaking {
  loaded: LoadedConfig;
  now: Date;
  env: NodeJS.ProcessEnv;
  version: SchemaVersion;
}

/** One record made into a row: its CSV line, or why it breaks a rule (its id, each field and rule). */
export type MadeRow = { ok: true; line: string } | { ok: false; reason: string };

export class RowMaker {
  private readonly making: RowMaking;
  private readonly columns: readonly Column[];
  /** One rules object for the whole import (the compiled schema is cached per rules object); imported history is not "recorded live", so max_age_days does not apply. */
  private readonly rules: RecordRuleContext;

  constructor(making: RowMaking) {
    this.making = making;
    this.columns = columnsFor(making.version);
    this.rules = { now: making.now, maxAgeDays: null };
  }

  make(candidate: RecordInput): MadeRow {
    const { loaded, now, env } = this.making;
    const check = checkRecord(completeRecord(candidate, loaded, now, env), this.rules);
    if (!check.ok) return { ok: false, reason: `${String(candidate.transaction_id)}: ${check.issues.map(formatFieldIssue).join('; ')}` };
    return { ok: true, line: csvLine(recordToCells(check.record, this.columns)) };
  }
}

/**
 * Candidates made into rows, in the order read. Each candidate's
 * transaction id comes as the id index asks for it (index-keys.ts): its
 * hash, its index key (by number, in `keys`; -1 for none) and its UTF-8
 * bytes; each is text only in `ids`, should the index need it.
 */
export interface PreparedRows {
  hashes: Int32Array<ArrayBuffer>;
  keyNumbers: Int32Array<ArrayBuffer>;
  keys: string[];
  /** The ids' UTF-8 bytes, one after the other, each ending at its `idEnds`. */
  ids: Uint8Array<ArrayBuffer>;
  idEnds: Int32Array<ArrayBuffer>;
  /** The lines of the candidates that keep the rules, one after the other, in UTF-8, each candidate's ending at its `ends` (a rejected one's where the one before it does). */
  bytes: Uint8Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  /** The candidates that break a rule, by index, in order, and why. */
  rejections: { index: number; reason: string }[];
}

const FIRST_CAPACITY = 1 << 16;
/** The most UTF-8 bytes one UTF-16 code unit can take. */
const MAX_BYTES_PER_UNIT = 3;

/** Text written as UTF-8 into one growing buffer that every batch reuses. */
class Utf8Buffer {
  private buffer = Buffer.allocUnsafeSlow(FIRST_CAPACITY);
  used = 0;

  write(text: string): void {
    const needed = this.used + text.length * MAX_BYTES_PER_UNIT;
    if (needed > this.buffer.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(larger, 0, 0, this.used);
      this.buffer = larger;
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** A copy of what was written, in a buffer of its own (which a worker hands over whole), and a fresh start. */
  take(): Uint8Array<ArrayBuffer> {
    const bytes = new Uint8Array(this.used);
    bytes.set(this.buffer.subarray(0, this.used));
    this.used = 0;
    return bytes;
  }
}

/** Makes candidates into rows and collects them into PreparedRows. */
export class RowBatcher {
  private readonly maker: RowMaker;
  private hashes: number[] = [];
  private keyNumbers: number[] = [];
  private keys = new Map<string, number>();
  private idEnds: number[] = [];
  private ends: number[] = [];
  private rejections: PreparedRows['rejections'] = [];
  private readonly ids = new Utf8Buffer();
  private readonly lines = new Utf8Buffer();

  constructor(maker: RowMaker) {
    this.maker = maker;
  }

  get size(): number {
    return this.hashes.length;
  }

  add(candidate: RecordInput): void {
    const made = this.maker.make(candidate);
    if (made.ok) this.lines.write(made.line);
    else this.rejections.push({ index: this.hashes.length, reason: made.reason });
    this.ends.push(this.lines.used);
    const id = String(candidate.transaction_id);
    this.hashes.push(idHash(id));
    const key = indexKeyOf(id, String(candidate.timestamp));
    let number = key === undefined ? -1 : this.keys.get(key);
    if (number === undefined) {
      number = this.keys.size;
      this.keys.set(key as string, number);
    }
    this.keyNumbers.push(number);
    this.ids.write(id);
    this.idEnds.push(this.ids.used);
  }

  /** The rows collected since the last take. */
  take(): PreparedRows {
    const taken: PreparedRows = {
      hashes: Int32Array.from(this.hashes),
      keyNumbers: Int32Array.from(this.keyNumbers),
      keys: [...this.keys.keys()],
      ids: this.ids.take(),
      idEnds: Int32Array.from(this.idEnds),
      bytes: this.lines.take(),
      ends: Int32Array.from(this.ends),
      rejections: this.rejections,
    };
    this.hashes = [];
    this.keyNumbers = [];
    this.keys = new Map();
    this.idEnds = [];
    this.ends = [];
    this.rejections = [];
    return taken;
  }
}

/** The buffers of rows made ahead, which a worker hands over rather than copies. */
export function transferables(rows: PreparedRows): ArrayBuffer[] {
  return [rows.hashes.buffer, rows.keyNumbers.buffer, rows.ids.buffer, rows.idEnds.buffer, rows.bytes.buffer, rows.ends.buffer];
}
