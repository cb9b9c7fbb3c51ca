/**
 * Faults on the way to the ledger: every one ends with the record in the
 * spool, and replay puts it into the ledger exactly once, oldest first.
 * EACCES and EROFS cannot happen to root by themselves, so they are injected
 * by failing node:fs's openSync for the ledger path.
 */
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cacheSpoolDir,
  besideSpoolDir,
  listSpool,
  loadConfig,
  lockPathFor,
  readAllParts,
  recordTransaction,
  replaySpool,
  spoolRecord,
  appendRecords,
  type LedgerRecord,
  type RecordResult,
} from '../../../../src/lib/tracker/index.ts';
import { validRecord } from '../../../helpers/records.ts';

const injected = vi.hoisted(() => ({ path: '', code: '' }));

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const openSync = (...args: Parameters<typeof actual.openSync>) => {
    const [path, flags] = args;
    const writing = typeof flags === 'number' ? (flags & (actual.constants.O_WRONLY | actual.constants.O_RDWR)) !== 0 : flags !== 'r';
    if (injected.code !== '' && String(path) === injected.path && writing) {
      throw Object.assign(new Error(`${injected.code}: injected, open '${String(path)}'`), { code: injected.code });
    }
    return actual.openSync(...args);
  };
  return { ...actual, openSync, default: { ...actual, openSync } };
});

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-spool-'));
  mkdirSync(join(dir, '.git'));
  env = { XDG_CACHE_HOME: join(dir, 'cache') };
  injected.code = '';
});
afterEach(() => {
  injected.code = '';
  rmSync(dir, { recursive: true, force: true });
});

async function record(csvPath: string, overrides: Partial<LedgerRecord> = {}): Promise<RecordResult> {
  const { transaction_id, timestamp, session_id } = validRecord(overrides);
  return recordTransaction(
    { prompt_text: 'hello', tokens_used: 10, elapsed_time: 1, transaction_id, timestamp: overrides.timestamp ? timestamp : undefined, session_id },
    { loaded: loadConfig({ cwd: dir, env }), csvPath, env },
  );
}

async function idsIn(csvPath: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of readAllParts(csvPath)) {
    expect(row.ok).toBe(true);
    if (row.ok) ids.push(row.record.transaction_id);
  }
  return ids;
}

describe('faults send the record to the spool', () => {
  it.each(['EACCES', 'EROFS', 'ENOSPC'])('%s on the ledger: spooled beside it, replayed once by the next write', async (code) => {
    const csv = join(dir, 'ledger.csv');
    await record(csv, { transaction_id: 'before' });
    injected.path = csv;
    injected.code = code;
    const result = await record(csv, { transaction_id: 'faulted' });
    expect(result.status).toBe('spooled');
    if (result.status !== 'spooled') return;
    expect(result.reason).toContain(code);
    expect(result.spoolFile.startsWith(besideSpoolDir(csv))).toBe(true);
    expect(statSync(result.spoolFile).mode & 0o777).toBe(0o600);
    injected.code = '';
    const next = await record(csv, { transaction_id: 'after' });
    expect(next.status).toBe('written');
    expect(await idsIn(csv)).toEqual(['before', 'after', 'faulted']);
    expect(listSpool(csv, env).entries).toHaveLength(0);
  });

  it('ENOTDIR (a file where the folder should be): spooled in XDG_CACHE_HOME, flushed once the path is fixed', async () => {
    writeFileSync(join(dir, '.kiro'), 'not a folder');
    const csv = join(dir, '.kiro', 'token_transactions.csv');
    const result = await record(csv, { transaction_id: 'lost-folder' });
    expect(result.status).toBe('spooled');
    if (result.status !== 'spooled') return;
    expect(result.reason).toContain('ENOTDIR');
    expect(result.spoolFile.startsWith(cacheSpoolDir(csv, env))).toBe(true);
    expect(result.spoolFile.startsWith(join(dir, 'cache', 'token-ledger', 'spool'))).toBe(true);
    rmSync(join(dir, '.kiro'));
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 1, alreadyPresent: 0 });
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 0, alreadyPresent: 0 });
    expect(await idsIn(csv)).toEqual(['lost-folder']);
  });

  it('a lock held past lock_timeout_ms while the header must be written: spooled', async () => {
    const csv = join(dir, 'ledger.csv');
    mkdirSync(lockPathFor(csv));
    const started = Date.now();
    const result = await recordTransaction(
      { tokens_used: 3, elapsed_time: 1, transaction_id: 'locked-out' },
      { loaded: { ...loadConfig({ cwd: dir, env }), config: { ...loadConfig({ cwd: dir, env }).config, lock_timeout_ms: 200 } }, csvPath: csv, env },
    );
    expect(result.status).toBe('spooled');
    expect(Date.now() - started).toBeLessThan(2000);
    if (result.status === 'spooled') expect(result.reason).toMatch(/lock .* still held/);
  });

  it('loses nothing when neither the ledger nor any spool folder can be written', async () => {
    writeFileSync(join(dir, '.kiro'), 'file');
    writeFileSync(join(dir, 'cache'), 'file');
    const csv = join(dir, '.kiro', 'ledger.csv');
    await expect(record(csv)).rejects.toMatchObject({ code: 'SPOOL_UNWRITABLE' });
  });
});

describe('replay', () => {
  it('replays in timestamp order, exactly once, even after a replay killed before it cleaned up', async () => {
    const csv = join(dir, 'ledger.csv');
    await appendRecords(csv, [validRecord({ transaction_id: 'already-in' })], { lockTimeoutMs: 1000 });
    const times = ['2026-06-15T10:00:03.000Z', '2026-06-15T10:00:01.000Z', '2026-06-15T10:00:02.000Z'];
    times.forEach((timestamp, index) => spoolRecord(csv, validRecord({ timestamp, transaction_id: `t${index}` }), 'test', env));
    // A replay that appended but died before deleting its entry leaves an entry the ledger already holds.
    spoolRecord(csv, validRecord({ transaction_id: 'already-in' }), 'test', env);
    const result = await replaySpool(csv, { lockTimeoutMs: 1000, env });
    expect(result).toMatchObject({ replayed: 3, alreadyPresent: 1 });
    expect(await idsIn(csv)).toEqual(['already-in', 't1', 't2', 't0']);
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 0 });
  });

  it('keeps the identity of rows replayed into a v1 ledger', async () => {
    const csv = join(dir, 'v1.csv');
    writeFileSync(csv, 'timestamp,prompt_text,tokens_used,elapsed_time,session_id,workspace_folder,hook_trigger_type,agent_execution_id,file_patterns,hook_name,error_occurred,error_message\n');
    spoolRecord(csv, validRecord({ transaction_id: 'x1' }), 'test', env);
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 1, version: 1 });
    spoolRecord(csv, validRecord({ transaction_id: 'x1' }), 'test', env);
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 0, alreadyPresent: 1 });
  });

  it('replays an entry spooled before schema v3, which has no user or 1-hour split', async () => {
    const csv = join(dir, 'ledger.csv');
    const { user: _user, cache_creation_1h_tokens: _oneHour, ...v2Record } = validRecord({ transaction_id: 'from-v2' });
    const file = spoolRecord(csv, validRecord({ transaction_id: 'from-v2' }), 'test', env);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { record: unknown };
    writeFileSync(file, JSON.stringify({ ...entry, record: v2Record }));
    expect(await replaySpool(csv, { lockTimeoutMs: 1000, env })).toMatchObject({ replayed: 1, unreadable: [] });
    const rows: LedgerRecord[] = [];
    for await (const row of readAllParts(csv)) if (row.ok) rows.push(row.record);
    expect(rows).toEqual([{ ...v2Record, user: '', cache_creation_1h_tokens: null }]);
  });

  it('leaves unreadable entry files alone and reports them', async () => {
    const csv = join(dir, 'ledger.csv');
    mkdirSync(besideSpoolDir(csv), { recursive: true });
    writeFileSync(join(besideSpoolDir(csv), 'broken.json'), '{"format":1,');
    const result = await replaySpool(csv, { lockTimeoutMs: 1000, env });
    expect(result.unreadable).toHaveLength(1);
    expect(readdirSync(besideSpoolDir(csv))).toContain('broken.json');
  });
});

describe('locks', () => {
  it('takes over a lock whose holder died (not refreshed for longer than the stale limit)', async () => {
    const csv = join(dir, 'ledger.csv');
    mkdirSync(lockPathFor(csv));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPathFor(csv), old, old);
    const result = await record(csv, { transaction_id: 'after-stale' });
    expect(result.status).toBe('written');
    expect(fs.existsSync(lockPathFor(csv))).toBe(false);
  });
});
