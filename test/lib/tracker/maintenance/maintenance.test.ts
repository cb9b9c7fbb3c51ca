/** Round trips of the maintenance operations through the library. */
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendRecords,
  backupIfDue,
  createBackup,
  eraseRows,
  exportLedger,
  formatRows,
  guardCell,
  headerLine,
  inspectLedger,
  ledgerParts,
  listBackups,
  migrateLedger,
  parsePriceTable,
  Pricing,
  purgeLedger,
  repriceLedger,
  shippedPriceTable,
  readAllParts,
  readLedger,
  rejectsPathFor,
  repairLedger,
  rotateLedger,
  runDoctor,
  V1_COLUMNS,
  V3_COLUMNS,
  type LedgerRecord,
} from '../../../../src/lib/tracker/index.ts';
import { validRecord } from '../../../helpers/records.ts';

let dir: string;
let csv: string;
const lock = { lockTimeoutMs: 2000 };
const backup = { compress: true };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-maint-'));
  csv = join(dir, 'ledger.csv');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rows(count: number, overrides: (index: number) => Partial<LedgerRecord> = () => ({})): LedgerRecord[] {
  return Array.from({ length: count }, (_, index) => validRecord({ transaction_id: `tx-${index}`, ...overrides(index) }));
}

async function ids(path = csv): Promise<string[]> {
  const found: string[] = [];
  for await (const row of readAllParts(path)) if (row.ok) found.push(row.record.transaction_id);
  return found;
}

async function gunzipText(path: string): Promise<string> {
  let text = '';
  for await (const chunk of createReadStream(path).pipe(createGunzip())) text += String(chunk);
  return text;
}

describe('backup', () => {
  it('makes a timestamped gzip copy, 0600, and only once per interval from a hook', async () => {
    await appendRecords(csv, rows(3), lock);
    const [file] = await createBackup(csv, { ...backup, ...lock });
    expect(file).toMatch(/ledger\.\d{8}T\d{9}Z\.csv\.gz$/);
    expect(statSync(file as string).mode & 0o777).toBe(0o600);
    expect(await gunzipText(file as string)).toBe(readFileSync(csv, 'utf8'));
    const config = { backup_enabled: true, backup_interval_hours: 24, compression_enabled: false, lock_timeout_ms: 1000 };
    expect(await backupIfDue(csv, config)).toBeNull();
    expect(await backupIfDue(csv, config, new Date(Date.now() + 25 * 3_600_000))).toHaveLength(1);
    expect(await backupIfDue(csv, { ...config, backup_enabled: false }, new Date(Date.now() + 99 * 3_600_000))).toBeNull();
  });
});

describe('rotation', () => {
  it('closes the live file off as a part; readers see every row of every part', async () => {
    await appendRecords(csv, rows(2), lock);
    expect(await rotateLedger(csv, { ...lock, maxBytes: 10 * 1024 * 1024 })).toBeNull();
    const part = await rotateLedger(csv, { ...lock, maxBytes: 100 });
    expect(part).toMatch(/ledger\.part-\d{8}T\d{9}Z\.csv$/);
    await appendRecords(csv, rows(1, () => ({ transaction_id: 'tx-live' })), lock);
    expect(ledgerParts(csv)).toEqual([part]);
    expect(await ids()).toEqual(['tx-0', 'tx-1', 'tx-live']);
  });
});

describe('purge', () => {
  it('drops rows older than the retention period from every part and keeps the rest', async () => {
    await appendRecords(csv, rows(2, (index) => ({ timestamp: index === 0 ? '2024-01-01T00:00:00.000Z' : '2026-06-15T11:00:00.000Z' })), lock);
    await rotateLedger(csv, { ...lock, maxBytes: 0, force: true });
    await appendRecords(csv, rows(1, () => ({ transaction_id: 'tx-new', timestamp: '2026-06-15T11:30:00.000Z' })), lock);
    const result = await purgeLedger(csv, { ...lock, backup, retentionDays: 365, now: new Date('2026-06-15T12:00:00.000Z') });
    expect(result.dropped).toBe(1);
    expect(result.backups.length).toBeGreaterThan(0);
    expect(await ids()).toEqual(['tx-1', 'tx-new']);
  });
});

describe('erase', () => {
  it('removes exactly the rows of a session, from the ledger and from backups, and counts them', async () => {
    await appendRecords(csv, rows(6, (index) => ({ session_id: index % 2 === 0 ? 's1' : 's2' })), lock);
    await createBackup(csv, { compress: false, ...lock });
    const result = await eraseRows(csv, { session: 's1' }, { ...lock, backup });
    expect(result.dropped).toBe(3);
    expect(result.kept).toBe(3);
    expect(await ids()).toEqual(['tx-1', 'tx-3', 'tx-5']);
    for (const file of listBackups(csv)) {
      const text = file.compressed ? await gunzipText(file.path) : readFileSync(file.path, 'utf8');
      expect(text).not.toMatch(/,s1,/);
      expect(text).toMatch(/,s2,/);
    }
    expect(result.removedFromBackups).toBe(6);
  });

  it('matches workspace and text, and erases a damaged row that carries the text', async () => {
    await appendRecords(csv, rows(3, (index) => ({ workspace_folder: index === 0 ? 'secret-ws' : 'demo', prompt_text: index === 1 ? 'my name is Alice' : 'x' })), lock);
    appendFileSync(csv, 'not,a,valid,row,Alice\n');
    expect((await eraseRows(csv, { workspace: 'secret-ws' }, { ...lock, backup })).dropped).toBe(1);
    expect((await eraseRows(csv, { match: 'Alice' }, { ...lock, backup })).dropped).toBe(2);
    expect(readFileSync(csv, 'utf8')).not.toContain('Alice');
  });

  it('refuses an empty selector', async () => {
    await appendRecords(csv, rows(1), lock);
    await expect(eraseRows(csv, {}, { ...lock, backup })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('export', () => {
  it('writes CSV with formula cells guarded unless raw, JSON and JSON Lines', async () => {
    await appendRecords(csv, rows(2, (index) => ({ prompt_text: index === 0 ? '=HYPERLINK("x")' : '@SUM(A1)' })), lock);
    let text = '';
    for await (const chunk of exportLedger(csv, 'csv')) text += chunk;
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text).toContain("'@SUM(A1)");
    let raw = '';
    for await (const chunk of exportLedger(csv, 'csv', { raw: true })) raw += chunk;
    expect(raw).toContain('"=HYPERLINK(""x"")"');
    let json = '';
    for await (const chunk of exportLedger(csv, 'json')) json += chunk;
    expect((JSON.parse(json) as LedgerRecord[]).map((record) => record.prompt_text)).toEqual(['=HYPERLINK("x")', '@SUM(A1)']);
    let jsonl = '';
    for await (const chunk of exportLedger(csv, 'jsonl')) jsonl += chunk;
    expect(jsonl.trim().split('\n').map((line) => (JSON.parse(line) as LedgerRecord).transaction_id)).toEqual(['tx-0', 'tx-1']);
    expect(['=1', '+1', '-1', '@a', '\tx', '\rx', 'ok'].map(guardCell)).toEqual(["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", 'ok']);
  });
});

describe('repair', () => {
  it('moves bad and duplicate rows to the rejects file and keeps the good ones', async () => {
    await appendRecords(csv, rows(2), lock);
    appendFileSync(csv, 'torn,row\n');
    await appendRecords(csv, [validRecord({ transaction_id: 'tx-0' }), validRecord({ transaction_id: 'tx-9', tokens_used: 7, input_tokens: null, output_tokens: null })], lock);
    const result = await repairLedger(csv, { ...lock, backup });
    expect(result).toMatchObject({ kept: 3, rejected: 2 });
    expect(await ids()).toEqual(['tx-0', 'tx-1', 'tx-9']);
    const rejects = readFileSync(rejectsPathFor(csv), 'utf8');
    expect(rejects).toContain('torn,row');
    expect(rejects).toContain('repeats an earlier row');
    expect(statSync(rejectsPathFor(csv)).mode & 0o777).toBe(0o600);
    for await (const row of readLedger(csv)) expect(row.ok).toBe(true);
  });
});

describe('migrate', () => {
  it('rewrites a v1 ledger as v3 with a backup; ids stay stable; a second run does nothing', async () => {
    const v1Row = '2026-06-15T11:00:00.000Z,"hi, there",12,0.500,s1,demo,manual,e1,,token-tracker-hook,false,';
    writeFileSync(csv, `${V1_COLUMNS.join(',')}\n${v1Row}\n`);
    const before = await ids();
    const result = await migrateLedger(csv, { ...lock, backup });
    expect(result?.backups).toHaveLength(1);
    expect(inspectLedger(csv).version).toBe(3);
    expect(await ids()).toEqual(before);
    expect(await migrateLedger(csv, { ...lock, backup })).toBeNull();
  });

  it('rewrites a v2 ledger as v3: every v2 cell kept, the new columns unknown, the v2 file in the backup', async () => {
    const records = rows(3);
    writeFileSync(csv, headerLine(2) + formatRows(records, 2));
    const v2Text = readFileSync(csv, 'utf8');
    const result = await migrateLedger(csv, { ...lock, backup });
    expect(result).toMatchObject({ kept: 3 });
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe(V3_COLUMNS.join(','));
    const migrated: LedgerRecord[] = [];
    for await (const row of readLedger(csv)) if (row.ok) migrated.push(row.record);
    expect(migrated).toEqual(records.map((record) => ({ ...record, cache_creation_1h_tokens: null, user: '' })));
    expect(result?.backups).toHaveLength(1);
    expect(await gunzipText(result?.backups[0] ?? '')).toBe(v2Text);
    // New rows now carry the v3 columns.
    await appendRecords(csv, [validRecord({ transaction_id: 'tx-new', cache_creation_1h_tokens: 40 })], lock);
    expect(inspectLedger(csv).version).toBe(3);
  });
});

describe('reprice', () => {
  const pricing = new Pricing([shippedPriceTable(), parsePriceTable({ models: { 'in-house-llm': { input: 1, output: 2, cache_write: 1, cache_read: 0.5 } } }, 'test')]);
  const counts = { input_tokens: 1000, output_tokens: 250, cache_creation_tokens: 100, cache_read_tokens: 400 };

  it('gives every row the table can price its current cost, keeps the rest, after a backup; a second run changes nothing', async () => {
    await appendRecords(
      csv,
      [
        validRecord({ transaction_id: 'stale', model: 'claude-sonnet-4-5', ...counts, cache_creation_1h_tokens: 100, cost_usd: 99 }),
        validRecord({ transaction_id: 'unpriced', model: 'in-house-llm', ...counts, cost_usd: null }),
        validRecord({ transaction_id: 'given', model: 'mystery-model', ...counts, cost_usd: 0.5 }),
        validRecord({ transaction_id: 'no-counts', model: 'claude-sonnet-4-5', tokens_used: 10, input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null, cost_usd: 0.25 }),
      ],
      lock,
    );
    const result = await repriceLedger(csv, pricing, { ...lock, backup });
    expect(result).toMatchObject({ kept: 4, revised: 2 });
    expect(result.backups).toHaveLength(1);
    const costs: Record<string, number | null> = {};
    for await (const row of readLedger(csv)) if (row.ok) costs[row.record.transaction_id] = row.record.cost_usd;
    // Sonnet 4.5: 500 fresh x $3 + 100 1-hour writes x $6 + 400 reads x $0.30 + 250 out x $15; in-house: 500 x $1 + 100 x $1 + 400 x $0.5 + 250 x $2
    expect(costs).toEqual({ stale: (1500 + 600 + 120 + 3750) / 1e6, unpriced: (500 + 100 + 200 + 500) / 1e6, given: 0.5, 'no-counts': 0.25 });
    expect(result.costBeforeUsd).toBe(99.75);
    expect(result.costAfterUsd).toBeCloseTo(0.75 + (1500 + 600 + 120 + 3750 + 1300) / 1e6, 8);
    const before = readFileSync(csv);
    const again = await repriceLedger(csv, pricing, { ...lock, backup });
    expect(again.revised).toBe(0);
    expect(again.files.every((file) => !file.replaced)).toBe(true);
    expect(readFileSync(csv).equals(before)).toBe(true);
  });
});

describe('doctor', () => {
  it('reports a spool backlog, a torn tail and loose permissions as problems', async () => {
    await appendRecords(csv, rows(1), lock);
    appendFileSync(csv, '2026-06-15T11:00:00.000Z,"torn');
    const { checks } = runDoctor({ cwd: dir, csvPath: csv, env: { XDG_CACHE_HOME: join(dir, 'cache') } });
    expect(checks.filter((check) => check.status === 'problem').map((check) => check.check)).toContain('ledger tail');
    expect(readdirSync(dir)).toContain('ledger.csv');
  });

  it('checks each ledger of a list or a glob, naming it, and names a glob that matches nothing as a problem', async () => {
    const team = join(dir, 'team');
    mkdirSync(team, { recursive: true });
    await appendRecords(join(team, 'alice.csv'), rows(1), lock);
    await appendRecords(join(team, 'bob.csv'), rows(1), lock);
    appendFileSync(join(team, 'bob.csv'), '2026-06-15T11:00:00.000Z,"torn');
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    for (const csvPath of [`${team}/alice.csv,${team}/bob.csv`, `${team}/*.csv`]) {
      const { checks, ledgerPaths } = runDoctor({ cwd: dir, csvPath, env });
      expect(ledgerPaths).toEqual([join(team, 'alice.csv'), join(team, 'bob.csv')]);
      expect(checks.filter((check) => check.check === 'ledger (alice.csv)' || check.check === 'ledger (bob.csv)').map((check) => check.status)).toEqual(['ok', 'ok']);
      expect(checks.filter((check) => check.status === 'problem').map((check) => check.check)).toEqual(['ledger tail (bob.csv)']);
    }
    const none = runDoctor({ cwd: dir, csvPath: `${team}/*.tsv`, env });
    expect(none.ledgerPaths).toEqual([]);
    expect(none.checks.find((check) => check.check === 'ledger')).toMatchObject({ status: 'problem', detail: expect.stringContaining('matches no file') });
  });
});
