import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendRecords, formatRows, headerLine, inspectLedger, readLedger, TrackerError, V1_COLUMNS, type LedgerRow } from '../../../../src/lib/tracker/index.ts';
import { appendFormattedRows, forEachLedgerRow, type CheckedRow } from '../../../../src/lib/tracker/ledger/ledger.ts';
import { NOW, validRecord } from '../../../helpers/records.ts';

const folder = mkdtempSync(join(tmpdir(), 'tl-ledger-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const LOCK = { lockTimeoutMs: 2000 };

async function rows(path: string): Promise<LedgerRow[]> {
  const all: LedgerRow[] = [];
  for await (const row of readLedger(path, { now: NOW })) all.push(row);
  return all;
}

describe('ledger', () => {
  it('says a folder given as the ledger is a folder, for readers and writers alike', async () => {
    const path = join(folder, 'ledger-folder.csv');
    mkdirSync(path);
    expect(() => inspectLedger(path)).toThrow(expect.objectContaining({ code: 'INVALID_LEDGER', message: expect.stringContaining('is a folder') }));
    await expect(appendRecords(path, [validRecord()], LOCK)).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
  });

  it('keeps a v1 ledger v1 when appending, and reads it with stable derived ids', async () => {
    const path = join(folder, 'v1.csv');
    writeFileSync(path, headerLine(1));
    await appendRecords(path, [validRecord(), validRecord({ transaction_id: 'tx-2', prompt_text: 'second' })], LOCK);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(V1_COLUMNS.join(','));
    expect(lines[1]?.split(',')).toHaveLength(12 + 1); // the prompt holds one quoted comma
    expect(inspectLedger(path).version).toBe(1);
    const first = await rows(path);
    const again = await rows(path);
    expect(first.every((row) => row.ok)).toBe(true);
    const ids = first.map((row) => (row.ok ? row.record.transaction_id : ''));
    expect(ids[0]).toMatch(/^v1-[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(2);
    expect(again.map((row) => (row.ok ? row.record.transaction_id : ''))).toEqual(ids);
  });

  it('appends rows formatted ahead only to a ledger of the version they were made for', async () => {
    const path = join(folder, 'formatted.csv');
    const rowsFor = (version: 2 | 3) => Buffer.from(formatRows([validRecord()], version));
    await appendFormattedRows(path, rowsFor(3), 3, LOCK);
    expect(readFileSync(path, 'utf8')).toBe(headerLine(3) + formatRows([validRecord()], 3));
    writeFileSync(path, headerLine(2));
    // Rows made for v3 while the ledger became v2 (rewritten meanwhile) would not fit its columns: nothing is written.
    await expect(appendFormattedRows(path, rowsFor(3), 3, LOCK)).rejects.toThrow(/schema v2 ledger while rows for v3/);
    expect(readFileSync(path, 'utf8')).toBe(headerLine(2));
    await appendFormattedRows(path, rowsFor(2), 2, LOCK);
    expect((await rows(path)).map((row) => row.ok)).toEqual([true]);
  });

  it('reports bad rows by line number and keeps reading', async () => {
    const path = join(folder, 'bad.csv');
    const good = formatRows([validRecord()], 2);
    const multiLine = formatRows([validRecord({ transaction_id: 'tx-ml', prompt_text: 'line one\nline two' })], 2);
    writeFileSync(path, `${headerLine(2)}${good}${multiLine}not,enough,cells\n${good.replace('1250', '-3')}${good}`);
    const result = await rows(path);
    expect(result.map((row) => [row.line, row.ok])).toEqual([
      [2, true],
      [3, true],
      [5, false],
      [6, false],
      [7, true],
    ]);
    const bad = result[3];
    expect(bad?.ok === false && bad.issues[0]?.field).toBe('tokens_used');
  });

  it('rejects a NUL character in a prompt or error message wherever in the file it is, after reads without one too', async () => {
    const path = join(folder, 'nul.csv');
    // ~1.2 MB: the NUL bytes come in the first read, in a read after several without one, and in the last.
    const records = Array.from({ length: 6000 }, (_, index) => validRecord({ transaction_id: `tx-${index}`, prompt_text: `${index} ${'a prompt of some length '.repeat(8)}` }));
    const bad = new Map([
      [3, { prompt_text: 'early\u0000' }],
      [2500, { prompt_text: 'later \u0000 on' }],
      [2501, { error_occurred: true, error_message: 'it\u0000failed' }],
      [5999, { prompt_text: '\u0000' }],
    ]);
    for (const [index, change] of bad) Object.assign(records[index]!, change);
    writeFileSync(path, headerLine(3) + formatRows(records, 3));
    const nulRule = (row: CheckedRow) => !row.ok && row.issues.some((issue) => issue.rule === 'must not contain NUL characters');
    const read = await rows(path);
    expect(read.filter(nulRule).map((row) => row.line - 2)).toEqual([...bad.keys()]);
    expect(read.filter((row) => row.ok)).toHaveLength(records.length - bad.size);
    const streamed: CheckedRow[] = [];
    await forEachLedgerRow(path, { now: NOW }, (row) => streamed.push(row));
    expect(streamed.filter(nulRule)).toHaveLength(bad.size);
    expect(streamed.filter((row) => row.ok)).toHaveLength(records.length - bad.size);
  });

  it('rejects a file whose header is not a ledger header', async () => {
    const path = join(folder, 'other.csv');
    writeFileSync(path, 'a,b,c\n1,2,3\n');
    await expect(rows(path)).rejects.toThrow(TrackerError);
    await expect(appendRecords(path, [validRecord()], LOCK)).rejects.toThrow(/not a token ledger header/);
    expect(readFileSync(path, 'utf8')).toBe('a,b,c\n1,2,3\n');
  });

  it('says clearly when there is no ledger to read', async () => {
    await expect(rows(join(folder, 'missing.csv'))).rejects.toThrow(/No ledger at/);
  });
});
