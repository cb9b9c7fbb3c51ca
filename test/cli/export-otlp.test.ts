/** `export --format otlp` through the built CLI, against a local OTLP/HTTP receiver decoding the protobuf requests. */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRecords } from '../../src/lib/tracker/index.ts';
import { runCli, tempWorkspace } from '../helpers/cli.ts';
import { attributeMap, OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { mixedRecords } from '../helpers/records.ts';

let root: string;
let csv: string;
let receiver: OtlpReceiver;
const lock = { lockTimeoutMs: 2000 };

beforeEach(async () => {
  root = tempWorkspace('tl-otlp-cli-');
  mkdirSync(join(root, '.git'));
  csv = join(root, 'ledger.csv');
  receiver = await OtlpReceiver.start();
});
afterEach(async () => {
  await receiver.close();
  rmSync(root, { recursive: true, force: true });
});

const cli = (args: readonly string[]) => runCli(['export', '--csv', csv, ...args], { cwd: root });
const otlp = (args: readonly string[] = []) => cli(['--format', 'otlp', '--endpoint', receiver.endpoint, '--json', ...args]);

interface Counts {
  records_sent: number;
  metric_points: number;
  skipped: number;
  total_sent: number;
  cursor: string;
}

async function reportTotals(): Promise<{ transactions: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_creation_tokens: number }> {
  const result = await runCli(['report', '--csv', csv, '--json'], { cwd: root });
  return (JSON.parse(result.stdout) as { totals: Awaited<ReturnType<typeof reportTotals>> }).totals;
}

describe('export --format otlp (CLI)', () => {
  it('sends every row once, then nothing, then only the row appended since; totals match `report`', async () => {
    await appendRecords(csv, mixedRecords(30), lock);
    const first = await otlp(['--header', 'Authorization=Bearer t0ken', '--header', 'X-Scope-OrgID=team-a']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const counts = JSON.parse(first.stdout) as Counts;
    const totals = await reportTotals();
    expect(counts).toMatchObject({ records_sent: totals.transactions, skipped: 0, total_sent: totals.transactions, cursor: `${csv}.otlp-cursor.json` });
    expect(receiver.logRecords).toHaveLength(totals.transactions);
    expect(counts.metric_points).toBe(receiver.histogramPoints.length);
    expect(receiver.tokenTotals('input').sum).toBe(totals.input_tokens);
    expect(receiver.tokenTotals('output').sum).toBe(totals.output_tokens);
    expect(receiver.logAttributeSum('gen_ai.usage.cache_read.input_tokens')).toBe(totals.cache_read_tokens);
    expect(receiver.logAttributeSum('gen_ai.usage.cache_creation.input_tokens')).toBe(totals.cache_creation_tokens);
    expect(receiver.requests.map((request) => [request.path, request.headers.authorization, request.headers['x-scope-orgid']])).toContainEqual(['/v1/logs', 'Bearer t0ken', 'team-a']);
    expect(receiver.requests.map((request) => request.path)).toContain('/v1/metrics');
    receiver.clear();

    const second = await otlp();
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ records_sent: 0, metric_points: 0, total_sent: totals.transactions });
    expect(receiver.requests).toHaveLength(0);

    await appendRecords(csv, mixedRecords(1, 'appended'), lock);
    const third = await otlp();
    expect(JSON.parse(third.stdout)).toMatchObject({ records_sent: 1, metric_points: 2, total_sent: totals.transactions + 1 });
    expect(receiver.logRecords.map((record) => attributeMap(record.attributes)['token_ledger.transaction_id'])).toEqual(['appended-0']);
  });

  it('exits 1 with a clear message when the collector is unreachable, leaving the cursor as it was', async () => {
    await appendRecords(csv, mixedRecords(3), lock);
    expect((await otlp()).code).toBe(0);
    const cursor = `${csv}.otlp-cursor.json`;
    const before = readFileSync(cursor, 'utf8');
    await appendRecords(csv, mixedRecords(2, 'unsent'), lock);

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = await cli(['--format', 'otlp', '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '0.5']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`Could not send 2 row\\(s\\) to the OpenTelemetry collector at http://127.0.0.1:${port}: logs: .*ECONNREFUSED`));
    expect(result.stderr).toMatch(/the cursor .*ledger\.csv\.otlp-cursor\.json was not moved/);
    expect(result.stderr).toMatch(/hint: Check that the collector runs/);
    expect(readFileSync(cursor, 'utf8')).toBe(before);
  });

  it('exits 1 naming the status when the collector rejects', async () => {
    await appendRecords(csv, mixedRecords(2), lock);
    receiver.answer = () => 401;
    const result = await otlp();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HTTP 401/);
    expect(readdirSync(root)).not.toContain('ledger.csv.otlp-cursor.json');
  });

  it('prints a line of counts without --json', async () => {
    await appendRecords(csv, mixedRecords(3), lock);
    const result = await cli(['--format', 'otlp', '--endpoint', receiver.endpoint]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^sent 3 log record\\(s\\) and ${receiver.histogramPoints.length} metric point\\(s\\) to ${receiver.endpoint}; 3 row\\(s\\) sent in all \\(cursor .*ledger.csv.otlp-cursor.json\\)\\n$`));
  });

  it('rejects usage mistakes with exit 2, and keeps the other formats as they were', async () => {
    await appendRecords(csv, mixedRecords(2), lock);
    expect((await cli(['--format', 'otlp'])).stderr).toMatch(/needs --endpoint/);
    expect((await cli(['--format', 'otlp'])).code).toBe(2);
    expect((await otlp(['--header', 'no-equals-sign'])).code).toBe(2);
    expect((await otlp(['--timeout', 'soon'])).code).toBe(2);
    expect((await cli(['--endpoint', receiver.endpoint])).code).toBe(2);
    expect((await cli(['--format', 'otlp', '--endpoint', 'localhost:4318'])).code).toBe(1);
    expect(receiver.requests).toHaveLength(0);

    const json = await cli(['--json']);
    expect((JSON.parse(json.stdout) as { transaction_id: string }[]).map((row) => row.transaction_id)).toEqual(['tx-0', 'tx-1']);
    expect((await cli(['--format', 'jsonl'])).stdout.trim().split('\n')).toHaveLength(2);
    expect((await cli([])).stdout.split('\n')[0]).toMatch(/^timestamp,prompt_text,/);
  });
});

describe('the hook bundles', () => {
  it('carry no OpenTelemetry code', () => {
    const build = join(import.meta.dirname, '..', '..', 'build');
    const cli = join(build, readFileSync(join(build, 'cli-current'), 'utf8').trim());
    for (const bundle of ['record.cjs', 'hook.cjs']) {
      const text = readFileSync(join(cli, bundle), 'utf8');
      expect(text).not.toMatch(/opentelemetry|OTLPLogExporter|gen_ai\.client\.token\.usage/i);
    }
  });
});
