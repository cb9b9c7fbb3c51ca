/**
 * A local OTLP/HTTP receiver for the export tests: a node:http server on
 * 127.0.0.1 that decodes each request with the official OTLP protobuf
 * definitions, as compiled by protobufjs into the generated root that
 * @opentelemetry/otlp-transformer shipped up to 0.213 (a dev dependency for
 * this alone; the exporters bring their own current otlp-transformer).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import generatedRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

interface ConversionOptions {
  longs: NumberConstructor;
  enums: StringConstructor;
  defaults: boolean;
  arrays: boolean;
}

interface MessageType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: ConversionOptions): unknown;
}

// The generated root's .d.ts types it as a bare Root; these are the two messages a collector receives.
const collector = (
  generatedRoot as unknown as {
    opentelemetry: { proto: { collector: { logs: { v1: { ExportLogsServiceRequest: MessageType } }; metrics: { v1: { ExportMetricsServiceRequest: MessageType } } } } };
  }
).opentelemetry.proto.collector;

export interface AnyValue {
  stringValue?: string;
  intValue?: number;
  doubleValue?: number;
  boolValue?: boolean;
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface LogRecord {
  timeUnixNano: number;
  eventName: string;
  severityNumber: string;
  body: AnyValue | null;
  attributes: KeyValue[];
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface Metric {
  name: string;
  unit: string;
  histogram: { dataPoints: HistogramDataPoint[]; aggregationTemporality: string } | null;
}

interface LogsRequest {
  resourceLogs: { resource: { attributes: KeyValue[] }; scopeLogs: { logRecords: LogRecord[] }[] }[];
}

interface MetricsRequest {
  resourceMetrics: { resource: { attributes: KeyValue[] }; scopeMetrics: { metrics: Metric[] }[] }[];
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  contentType: string | undefined;
}

const CONVERSION: ConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true };

/** An attribute list as a plain object: key to string, number or boolean. */
export function attributeMap(attributes: readonly KeyValue[]): Record<string, string | number | boolean> {
  const map: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) {
    const scalar = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (scalar !== undefined && scalar !== null) map[key] = scalar;
  }
  return map;
}

export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly logRecords: LogRecord[] = [];
  readonly resourceAttributes: Record<string, string | number | boolean>[] = [];
  readonly histogramPoints: (HistogramDataPoint & { metric: string; unit: string; temporality: string })[] = [];
  /** The HTTP status for the nth request (from 0); 200 accepts and decodes it. */
  answer: (index: number) => number = () => 200;
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        const status = receiver.answer(receiver.requests.length);
        receiver.requests.push({ path, headers: request.headers, contentType: request.headers['content-type'] });
        if (status === 200) receiver.decode(path, Buffer.concat(chunks));
        response.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The points of one token type, summed: value total and number of measurements. */
  tokenTotals(tokenType: string): { sum: number; count: number } {
    const points = this.histogramPoints.filter((point) => point.metric === 'gen_ai.client.token.usage' && attributeMap(point.attributes)['gen_ai.token.type'] === tokenType);
    return { sum: points.reduce((total, point) => total + point.sum, 0), count: points.reduce((total, point) => total + point.count, 0) };
  }

  /** Sum of one numeric log attribute over every record received. */
  logAttributeSum(key: string): number {
    return this.logRecords.reduce((total, record) => total + Number(attributeMap(record.attributes)[key] ?? 0), 0);
  }

  clear(): void {
    this.requests.length = 0;
    this.logRecords.length = 0;
    this.histogramPoints.length = 0;
    this.resourceAttributes.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private decode(path: string, body: Buffer): void {
    if (path === '/v1/logs') {
      const request = collector.logs.v1.ExportLogsServiceRequest;
      const decoded = request.toObject(request.decode(body), CONVERSION) as LogsRequest;
      for (const resourceLogs of decoded.resourceLogs) {
        this.resourceAttributes.push(attributeMap(resourceLogs.resource.attributes));
        for (const scope of resourceLogs.scopeLogs) this.logRecords.push(...scope.logRecords);
      }
    } else if (path === '/v1/metrics') {
      const request = collector.metrics.v1.ExportMetricsServiceRequest;
      const decoded = request.toObject(request.decode(body), CONVERSION) as MetricsRequest;
      for (const resourceMetrics of decoded.resourceMetrics) {
        this.resourceAttributes.push(attributeMap(resourceMetrics.resource.attributes));
        for (const scope of resourceMetrics.scopeMetrics) {
          for (const metric of scope.metrics) {
            for (const point of metric.histogram?.dataPoints ?? []) {
              this.histogramPoints.push({ ...point, metric: metric.name, unit: metric.unit, temporality: metric.histogram?.aggregationTemporality ?? '' });
            }
          }
        }
      }
    }
  }
}
