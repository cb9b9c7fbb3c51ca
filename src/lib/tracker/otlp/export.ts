/**
 * `export --format otlp`: sends the ledger's rows that no earlier run sent to
 * an OpenTelemetry collector over OTLP/HTTP, one log record per row plus its
 * gen_ai.client.token.usage points, in batches. After each batch the
 * collector accepted, the cursor (cursor.ts) moves past it; a batch that
 * fails leaves the cursor where it was, so the next run sends it again.
 * The SDK (pipeline.ts) loads only once there is a row to send.
 */
import * as z from 'zod/mini';
import { TrackerError } from '../errors.ts';
import { withLock } from '../ledger/lock.ts';
import { ledgerFiles, readAllParts } from '../ledger/parts.ts';
import type { LedgerRecord } from '../schema.ts';
import { advanceCursor, findResumePoint, otlpCursorPathFor, readCursor, writeCursor, type ResumePoint } from './cursor.ts';
import type { OtlpPipeline } from './pipeline.ts';

export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;
export const DEFAULT_OTLP_BATCH_SIZE = 512;

export interface OtlpExportOptions {
  /** The collector's OTLP/HTTP base URL, like http://localhost:4318; /v1/logs and /v1/metrics are added. */
  endpoint: string;
  /** Sent with every request (authentication, tenant). */
  headers?: Readonly<Record<string, string>>;
  /** Default: beside the ledger (otlpCursorPathFor). */
  cursorPath?: string;
  /** Per request, retries included. */
  timeoutMs?: number;
  batchSize?: number;
  /** How long to wait for another export holding the cursor. */
  lockTimeoutMs: number;
  now?: Date;
}

export interface OtlpExportResult {
  /** Log records sent by this run: one per row. */
  records: number;
  /** gen_ai.client.token.usage data points the collector accepted in this run. */
  metricPoints: number;
  /** Invalid rows among the unsent ones, left out (`token-ledger validate` lists them). */
  skipped: number;
  cursor: string;
  /** Rows sent by every run so far, this one included. */
  totalSent: number;
}

const endpointSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, like http://localhost:4318' });

/** The collector's signal URLs, after the OTLP exporter convention: the base URL plus v1/logs and v1/metrics. */
export function otlpSignalUrls(endpoint: string): { logs: string; metrics: string } {
  const parsed = endpointSchema.safeParse(endpoint);
  if (!parsed.success) {
    throw new TrackerError('INVALID_INPUT', `--endpoint ${JSON.stringify(endpoint)} ${parsed.error.issues[0]?.message ?? 'is not a URL'}`, {
      hint: 'Give the collector\'s OTLP/HTTP base URL (port 4318 by default), without /v1/logs.',
    });
  }
  const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
  return { logs: new URL('v1/logs', base).href, metrics: new URL('v1/metrics', base).href };
}

/** The rows after `resume`, valid ones in batches; counts the invalid ones into `skipped`. */
async function* unsentBatches(ledgerPath: string, resume: ResumePoint | null, batchSize: number, now: Date, counts: { skipped: number }): AsyncGenerator<LedgerRecord[]> {
  let passed = resume === null;
  let occurrences = 0;
  let batch: LedgerRecord[] = [];
  for await (const row of readAllParts(ledgerPath, { now })) {
    if (!passed) {
      if (row.ok && row.record.transaction_id === resume?.transactionId) passed = (occurrences += 1) === resume.occurrence;
      continue;
    }
    if (!row.ok) {
      counts.skipped += 1;
      continue;
    }
    batch.push(row.record);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export async function exportOtlp(ledgerPath: string, options: OtlpExportOptions): Promise<OtlpExportResult> {
  const urls = otlpSignalUrls(options.endpoint);
  const cursorPath = options.cursorPath ?? otlpCursorPathFor(ledgerPath);
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? DEFAULT_OTLP_BATCH_SIZE;
  if (ledgerFiles(ledgerPath).length === 0) {
    throw new TrackerError('INVALID_LEDGER', `No ledger at ${ledgerPath}`, { hint: 'Point --csv / TOKEN_LEDGER_CSV at the ledger to send.' });
  }
  // One export at a time per cursor: two at once would both send the same rows.
  return withLock(cursorPath, options.lockTimeoutMs, async () => {
    let cursor = readCursor(cursorPath);
    const resume = await findResumePoint(ledgerPath, cursor, cursorPath, now);
    const result: OtlpExportResult = { records: 0, metricPoints: 0, skipped: 0, cursor: cursorPath, totalSent: cursor.sent };
    let pipeline: OtlpPipeline | undefined;
    try {
      for await (const batch of unsentBatches(ledgerPath, resume, batchSize, now, result)) {
        if (!pipeline) {
          const { createOtlpPipeline } = await import('./pipeline.ts');
          pipeline = createOtlpPipeline({ logsUrl: urls.logs, metricsUrl: urls.metrics, headers: options.headers ?? {}, timeoutMs: options.timeoutMs ?? DEFAULT_OTLP_TIMEOUT_MS, batchSize });
        }
        let points: number;
        try {
          points = await pipeline.send(batch);
        } catch (error) {
          throw new TrackerError(
            'EXPORT_FAILED',
            `Could not send ${batch.length} row(s) to the OpenTelemetry collector at ${options.endpoint}: ${(error as Error).message}; ` +
              (result.records === 0 ? `the cursor ${cursorPath} was not moved` : `the cursor ${cursorPath} records the ${result.records} row(s) this run sent before them, and nothing after`),
            {
              hint: 'Check that the collector runs and takes OTLP/HTTP protobuf at that base URL (port 4318 by default) and that --header carries the credentials it expects; running the same command again resends only what was not accepted.',
              cause: error,
            },
          );
        }
        cursor = advanceCursor(cursor, batch.map((record) => record.transaction_id), new Date());
        await writeCursor(cursorPath, cursor);
        result.records += batch.length;
        result.metricPoints += points;
        result.totalSent = cursor.sent;
      }
    } finally {
      await pipeline?.shutdown();
    }
    return result;
  });
}
