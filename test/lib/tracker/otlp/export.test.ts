/** OTLP export through the library, against a local receiver that decodes the protobuf requests. */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aggregateLedger,
  appendRecords,
  eraseRows,
  exportOtlp,
  otlpCursorPathFor,
  otlpSignalUrls,
  rotateLedger,
  type OtlpExportOptions,
} from '../../../../src/lib/tracker/index.ts';
import { CURSOR_RECENT_IDS } from '../../../../src/lib/tracker/otlp/cursor.ts';
import { attributeMap, OtlpReceiver } from '../../../helpers/otlp-receiver.ts';
import { mixedRecords, validRecord } from '../../../helpers/records.ts';

let dir: string;
let csv: string;
let receiver: OtlpReceiver;
const lock = { lockTimeoutMs: 2000 };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-otlp-'));
  csv = join(dir, 'ledger.csv');
  receiver = await OtlpReceiver.start();
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<OtlpExportOptions> = {}): OtlpExportOptions {
  return { endpoint: receiver.endpoint, timeoutMs: 2000, ...lock, ...overrides };
}

async function totals() {
  return (await aggregateLedger(csv)).report.totals;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cursorText(): string {
  return readFileSync(otlpCursorPathFor(csv), 'utf8');
}

describe('exportOtlp', () => {
  it('sends one log record per valid row and token-usage points that add up to the ledger totals, across rotated parts', async () => {
    await appendRecords(csv, mixedRecords(9, 'old'), lock);
    await rotateLedger(csv, { ...lock, maxBytes: 0, force: true });
    await appendRecords(csv, mixedRecords(12, 'new'), lock);
    appendFileSync(csv, 'not,a,row\n');

    const result = await exportOtlp(csv, options({ headers: { Authorization: 'Bearer secret-1' } }));
    const expected = await totals();
    const rowsWithSplit = [...mixedRecords(9, 'old'), ...mixedRecords(12, 'new')].filter((record) => record.input_tokens !== null).length;

    expect(result).toMatchObject({ records: expected.transactions, skipped: 1, totalSent: expected.transactions });
    expect(receiver.logRecords).toHaveLength(expected.transactions);
    expect(receiver.tokenTotals('input')).toEqual({ sum: expected.input_tokens, count: rowsWithSplit });
    expect(receiver.tokenTotals('output')).toEqual({ sum: expected.output_tokens, count: rowsWithSplit });
    expect(result.metricPoints).toBe(receiver.histogramPoints.length);
    expect(receiver.logAttributeSum('gen_ai.usage.input_tokens')).toBe(expected.input_tokens);
    expect(receiver.logAttributeSum('gen_ai.usage.output_tokens')).toBe(expected.output_tokens);
    expect(receiver.logAttributeSum('gen_ai.usage.cache_read.input_tokens')).toBe(expected.cache_read_tokens);
    expect(receiver.logAttributeSum('gen_ai.usage.cache_creation.input_tokens')).toBe(expected.cache_creation_tokens);
    expect(receiver.logAttributeSum('token_ledger.tokens_used')).toBe(expected.tokens_used);
    expect(receiver.logAttributeSum('token_ledger.cost_usd')).toBeCloseTo(expected.cost_usd, 8);
    expect(new Set(receiver.histogramPoints.map((point) => point.temporality))).toEqual(new Set(['AGGREGATION_TEMPORALITY_DELTA']));
    expect(receiver.histogramPoints.every((point) => point.unit === '{token}')).toBe(true);
    expect(receiver.requests.every((request) => request.contentType === 'application/x-protobuf' && request.headers.authorization === 'Bearer secret-1')).toBe(true);
    expect(receiver.resourceAttributes.every((attributes) => attributes['service.name'] === 'token-ledger')).toBe(true);
  });

  it('maps a row onto the GenAI conventions and never sends its prompt or error text', async () => {
    const record = validRecord({ transaction_id: 'tx-map', prompt_text: 'secret prompt', model: 'gpt-5', session_id: 'sess-9', workspace_folder: 'ws', user: 'dev@example.com' });
    await appendRecords(csv, [record, validRecord({ transaction_id: 'tx-err', tokens_used: 0, error_occurred: true, error_message: 'boom', input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null })], lock);
    await exportOtlp(csv, options());

    const [sent, failed] = receiver.logRecords;
    expect(sent?.eventName).toBe('token_ledger.transaction');
    expect(sent?.timeUnixNano).toBe(Date.parse(record.timestamp) * 1e6);
    expect(attributeMap(sent?.attributes ?? [])).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 250,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.cache_creation.input_tokens': 100,
      'gen_ai.conversation.id': 'sess-9',
      'token_ledger.transaction_id': 'tx-map',
      'token_ledger.workspace': 'ws',
      'token_ledger.cost_usd': 0.0123,
    });
    expect(failed?.severityNumber).toBe('SEVERITY_NUMBER_WARN');
    expect(attributeMap(failed?.attributes ?? [])['token_ledger.error_occurred']).toBe(true);
    const everything = JSON.stringify([receiver.logRecords, receiver.histogramPoints]);
    expect(everything).not.toContain('secret prompt');
    expect(everything).not.toContain('boom');
    const inputPoint = receiver.histogramPoints.find((point) => attributeMap(point.attributes)['gen_ai.token.type'] === 'input');
    expect(attributeMap(inputPoint?.attributes ?? [])).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5',
      'gen_ai.token.type': 'input',
      'token_ledger.workspace': 'ws',
      'token_ledger.user': 'dev@example.com',
    });
  });

  it('sends nothing the second time and only a row appended since (after a rotation) the third time', async () => {
    await appendRecords(csv, mixedRecords(8), lock);
    const first = await exportOtlp(csv, options());
    receiver.clear();

    const second = await exportOtlp(csv, options());
    expect(second).toMatchObject({ records: 0, metricPoints: 0, totalSent: first.records });
    expect(receiver.requests).toHaveLength(0);

    await rotateLedger(csv, { ...lock, maxBytes: 0, force: true });
    await appendRecords(csv, [validRecord({ transaction_id: 'late-1' })], lock);
    const third = await exportOtlp(csv, options());
    expect(third).toMatchObject({ records: 1, metricPoints: 2, totalSent: first.records + 1 });
    expect(receiver.logRecords.map((record) => attributeMap(record.attributes)['token_ledger.transaction_id'])).toEqual(['late-1']);
  });

  it('finds its place when the last row it sent was erased', async () => {
    await appendRecords(csv, [...mixedRecords(4), validRecord({ transaction_id: 'last', session_id: 'gone' })], lock);
    await exportOtlp(csv, options());
    await eraseRows(csv, { session: 'gone' }, { ...lock, backup: { compress: false } });
    await appendRecords(csv, [validRecord({ transaction_id: 'after-erase' })], lock);
    receiver.clear();

    const result = await exportOtlp(csv, options());
    expect(result.records).toBe(1);
    expect(receiver.logRecords.map((record) => attributeMap(record.attributes)['token_ledger.transaction_id'])).toEqual(['after-erase']);
  });

  it('keeps only the last ids it sent in the cursor', async () => {
    await appendRecords(csv, mixedRecords(CURSOR_RECENT_IDS + 20), lock);
    await exportOtlp(csv, options({ batchSize: 100 }));
    const cursor = JSON.parse(cursorText()) as { sent: number; recent_transaction_ids: string[] };
    expect(cursor.sent).toBe(CURSOR_RECENT_IDS + 20);
    expect(cursor.recent_transaction_ids).toHaveLength(CURSOR_RECENT_IDS);
    expect(cursor.recent_transaction_ids.at(-1)).toBe(`tx-${CURSOR_RECENT_IDS + 19}`);
  });

  it('leaves the cursor unchanged when the collector is unreachable', async () => {
    await appendRecords(csv, mixedRecords(3), lock);
    await exportOtlp(csv, options());
    const before = cursorText();
    await appendRecords(csv, mixedRecords(2, 'unsent'), lock);

    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    await expect(exportOtlp(csv, options({ endpoint: unreachable, timeoutMs: 500 }))).rejects.toMatchObject({ code: 'EXPORT_FAILED' });
    expect(cursorText()).toBe(before);
  });

  it('fails with the collector\'s status when it rejects, and moves the cursor only past the batches it accepted', async () => {
    await appendRecords(csv, mixedRecords(7), lock);
    // Each batch is a logs request then a metrics request: accept the first batch, reject the second.
    receiver.answer = (index) => (index < 2 ? 200 : 400);
    const failure = exportOtlp(csv, options({ batchSize: 3 }));
    await expect(failure).rejects.toMatchObject({ code: 'EXPORT_FAILED' });
    await expect(failure).rejects.toThrow(/Could not send 3 row\(s\).*HTTP 400.*records the 3 row\(s\) this run sent before them/);
    expect(JSON.parse(cursorText())).toMatchObject({ sent: 3, recent_transaction_ids: ['tx-0', 'tx-1', 'tx-2'] });

    receiver.answer = () => 200;
    receiver.clear();
    const retry = await exportOtlp(csv, options({ batchSize: 3 }));
    expect(retry).toMatchObject({ records: 4, totalSent: 7 });
    expect(receiver.logRecords.map((record) => attributeMap(record.attributes)['token_ledger.transaction_id'])).toEqual(['tx-3', 'tx-4', 'tx-5', 'tx-6']);
  });

  it('refuses to guess when none of the rows the cursor lists is left', async () => {
    await appendRecords(csv, mixedRecords(2), lock);
    writeFileSync(otlpCursorPathFor(csv), JSON.stringify({ version: 1, sent: 2, recent_transaction_ids: ['elsewhere'], updated_at: '' }));
    await expect(exportOtlp(csv, options())).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/unknown which rows are new/) });
    expect(receiver.requests).toHaveLength(0);
  });

  it('names a broken cursor file', async () => {
    await appendRecords(csv, mixedRecords(1), lock);
    writeFileSync(otlpCursorPathFor(csv), JSON.stringify({ version: 1, sent: -1, recent_transaction_ids: [], updated_at: '' }));
    await expect(exportOtlp(csv, options())).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/sent: -1 must not be negative/) });
  });

  it('says so when there is no ledger, and leaves nothing beside it', async () => {
    await expect(exportOtlp(csv, options())).rejects.toMatchObject({ code: 'INVALID_LEDGER', message: `No ledger at ${csv}` });
    expect(existsSync(otlpCursorPathFor(csv))).toBe(false);
    expect(existsSync(`${otlpCursorPathFor(csv)}.lock`)).toBe(false);
  });

  it('writes no cursor for a ledger with nothing to send', async () => {
    await appendRecords(csv, [], lock);
    const result = await exportOtlp(csv, options());
    expect(result).toMatchObject({ records: 0, metricPoints: 0 });
    expect(existsSync(otlpCursorPathFor(csv))).toBe(false);
  });
});

describe('otlpSignalUrls', () => {
  it('adds the signal paths to the base URL, keeping a path prefix', () => {
    expect(otlpSignalUrls('http://localhost:4318')).toEqual({ logs: 'http://localhost:4318/v1/logs', metrics: 'http://localhost:4318/v1/metrics' });
    expect(otlpSignalUrls('https://otel.example/otlp/')).toEqual({ logs: 'https://otel.example/otlp/v1/logs', metrics: 'https://otel.example/otlp/v1/metrics' });
  });

  it('rejects what is not an http(s) URL', () => {
    for (const endpoint of ['localhost:4318', 'ftp://host', '']) {
      expect(() => otlpSignalUrls(endpoint)).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
    }
  });
});
