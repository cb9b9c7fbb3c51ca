/**
 * The OpenTelemetry SDK side of the OTLP export: a logger provider and a
 * meter provider, each with an OTLP/HTTP protobuf exporter, sending one batch
 * of rows at a time. Loaded only by `export --format otlp` (export.ts imports
 * it on first use), so no other command pays for the SDK.
 *
 * The SDK's processors and readers report a failed export only to their
 * global error handler, and their flush resolves all the same; the exporters
 * are wrapped to see each result, so a batch counts as sent only when the
 * collector accepted it. Metrics use delta temporality: each flush carries
 * only the batch's own measurements, so the points of every request add up
 * to the ledger's totals instead of repeating the running sum.
 */
import { SeverityNumber, ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { LedgerRecord } from '../schema.ts';
import { TOKEN_USAGE_BUCKETS, TOKEN_USAGE_METRIC, TRANSACTION_EVENT, logAttributes, logBody, tokenUsagePoints } from './attributes.ts';

export interface PipelineOptions {
  logsUrl: string;
  metricsUrl: string;
  headers: Readonly<Record<string, string>>;
  /** Per request, retries included. */
  timeoutMs: number;
  /** Rows per request; the log processor's batch and queue are this size, so one flush is one request. */
  batchSize: number;
}

export interface OtlpPipeline {
  /** Sends the rows' log records, then their metric points; resolves to the number of points, rejects when the collector did not accept either. */
  send(records: readonly LedgerRecord[]): Promise<number>;
  shutdown(): Promise<void>;
}

/** Why an export failed, in a collector's terms when it answered. */
export class CollectorRejection extends Error {
  override name = 'CollectorRejection';
}

interface Exporting<Items> {
  export(items: Items, resultCallback: (result: ExportResult) => void): void;
}

/** Has `observe` see the result of every export the exporter makes. */
function observeExports<Items>(exporter: Exporting<Items>, observe: (items: Items, result: ExportResult) => void): void {
  const send = exporter.export.bind(exporter);
  exporter.export = (items, resultCallback) =>
    send(items, (result) => {
      observe(items, result);
      resultCallback(result);
    });
}

function describeFailure(error: Error | undefined): string {
  if (!error) return 'the export failed';
  // OTLPExporterError: the HTTP status as `code`, the response body as `data`.
  const { code, data } = error as Error & { code?: unknown; data?: unknown };
  if (typeof code === 'number') return `the collector answered HTTP ${code}${error.message ? ` ${error.message}` : ''}${typeof data === 'string' && data !== '' ? `: ${data.slice(0, 300)}` : ''}`;
  return error.message || String(error);
}

function countPoints(metrics: ResourceMetrics): number {
  return metrics.scopeMetrics.reduce((sum, scope) => sum + scope.metrics.reduce((inner, metric) => inner + metric.dataPoints.length, 0), 0);
}

export function createOtlpPipeline(options: PipelineOptions): OtlpPipeline {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'token-ledger' });
  const common = { headers: { ...options.headers }, timeoutMillis: options.timeoutMs };
  const failures: string[] = [];
  let pointsSent = 0;

  const logExporter = new OTLPLogExporter({ ...common, url: options.logsUrl });
  observeExports(logExporter, (_records, result) => {
    if (result.code !== ExportResultCode.SUCCESS) failures.push(`logs: ${describeFailure(result.error)}`);
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({ exporter: logExporter, maxExportBatchSize: options.batchSize, maxQueueSize: options.batchSize, exportTimeoutMillis: options.timeoutMs }),
    ],
  });
  const logger = loggerProvider.getLogger('token-ledger');

  const metricExporter = new OTLPMetricExporter({ ...common, url: options.metricsUrl, temporalityPreference: AggregationTemporality.DELTA });
  observeExports(metricExporter, (metrics, result) => {
    if (result.code === ExportResultCode.SUCCESS) pointsSent += countPoints(metrics);
    else failures.push(`metrics: ${describeFailure(result.error)}`);
  });
  const meterProvider = new MeterProvider({
    resource,
    // Exports happen on flush; the interval (it must exceed the timeout) never comes round in one run.
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 24 * 3600_000, exportTimeoutMillis: options.timeoutMs })],
  });
  const tokenUsage = meterProvider.getMeter('token-ledger').createHistogram(TOKEN_USAGE_METRIC, {
    description: 'Number of input and output tokens used.',
    unit: '{token}',
    valueType: ValueType.INT,
    advice: { explicitBucketBoundaries: TOKEN_USAGE_BUCKETS },
  });

  function throwOnFailure(): void {
    if (failures.length > 0) throw new CollectorRejection(failures.splice(0).join('; '));
  }

  return {
    async send(records) {
      for (const record of records) {
        logger.emit({
          eventName: TRANSACTION_EVENT,
          timestamp: new Date(record.timestamp),
          severityNumber: record.error_occurred ? SeverityNumber.WARN : SeverityNumber.INFO,
          severityText: record.error_occurred ? 'WARN' : 'INFO',
          body: logBody(record),
          attributes: logAttributes(record),
        });
      }
      await loggerProvider.forceFlush();
      throwOnFailure();
      // Measured only once the logs are in, so a retry after a failed batch counts no token twice.
      for (const record of records) for (const point of tokenUsagePoints(record)) tokenUsage.record(point.value, point.attributes);
      pointsSent = 0;
      await meterProvider.forceFlush();
      throwOnFailure();
      return pointsSent;
    },
    async shutdown() {
      await Promise.all([loggerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
