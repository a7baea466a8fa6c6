// OpenTelemetry for the daemon: metrics (exposed as Prometheus text on --metrics-listen /metrics)
// and traces (exported over OTLP/HTTP when telemetry.otlpEndpoint is set). One Telemetry per
// daemon; layers receive it (or the no-op one) instead of reaching for globals, so several
// daemons in one process (tests) stay apart.
import { createServer, type Server } from 'node:http';
import { type Attributes, type Counter, type Histogram, type Meter, type Tracer, trace, SpanStatusCode, type Span } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface TelemetryOptions {
  /** HOST:PORT for /metrics; undefined = metrics are recorded but not served. */
  metricsListen?: string;
  otlpEndpoint?: string;
  version: string;
}

export class Telemetry {
  readonly meter: Meter;
  readonly tracer: Tracer;
  /** rpc.server.call.duration (semantic conventions) → rpc_server_call_duration_seconds. */
  readonly rpcDuration: Histogram;
  readonly batchSize: Histogram;
  readonly modelLatency: Histogram;
  readonly faces: Counter;
  readonly embeddings: Counter;
  readonly jobsStarted: Counter;
  private readonly gauges = new Map<string, () => number | Record<string, number>>();
  private server?: Server;
  private metricsPort = 0;

  private constructor(
    private readonly meterProvider: MeterProvider,
    private readonly exporter: PrometheusExporter,
    private readonly tracerProvider: BasicTracerProvider | undefined,
  ) {
    this.meter = meterProvider.getMeter('hyperface-serve');
    this.tracer = tracerProvider ? tracerProvider.getTracer('hyperface-serve') : trace.getTracer('hyperface-serve-noop');
    this.rpcDuration = this.meter.createHistogram('rpc.server.call.duration', { unit: 's', description: 'Duration of inbound RPCs', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] } });
    this.batchSize = this.meter.createHistogram('hyperface_batch_size', { description: 'Items per model batch', advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64, 128] } });
    this.modelLatency = this.meter.createHistogram('hyperface_model_latency', { unit: 's', description: 'Model call latency per batch' });
    this.faces = this.meter.createCounter('hyperface_faces_generated', { description: 'Faces generated' });
    this.embeddings = this.meter.createCounter('hyperface_embeddings', { description: 'Embeddings computed' });
    this.jobsStarted = this.meter.createCounter('hyperface_jobs_started', { description: 'Jobs started, by kind' });
  }

  static create(options: TelemetryOptions): Telemetry {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter], resource: resourceFromAttributes({ 'service.name': 'hyperface-serve', 'service.version': options.version }) });
    let tracerProvider: BasicTracerProvider | undefined;
    if (options.otlpEndpoint) {
      tracerProvider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'hyperface-serve', 'service.version': options.version }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint }))],
      });
    }
    return new Telemetry(meterProvider, exporter, tracerProvider);
  }

  /** An observable gauge read at scrape time; a record value = one series per key (label `key`). */
  gauge(name: string, description: string, read: () => number | Record<string, number>, label = 'state'): void {
    this.gauges.set(name, read);
    const g = this.meter.createObservableGauge(name, { description });
    g.addCallback((result) => {
      const v = read();
      if (typeof v === 'number') result.observe(v);
      else for (const [k, n] of Object.entries(v)) result.observe(n, { [label]: k });
    });
  }

  /** Runs `fn` inside a span; the span ends with fn and records its error. */
  async span<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Serves GET /metrics on HOST:PORT (port 0 = any); returns the port. */
  async serveMetrics(listen: string): Promise<number> {
    const idx = listen.lastIndexOf(':');
    const host = listen.slice(0, idx) || '127.0.0.1';
    const port = Number(listen.slice(idx + 1));
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) this.exporter.getMetricsRequestHandler(req, res);
      else {
        res.statusCode = 404;
        res.end('not found: try /metrics\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    this.metricsPort = typeof addr === 'object' && addr ? addr.port : port;
    return this.metricsPort;
  }

  get port(): number {
    return this.metricsPort;
  }

  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.meterProvider.shutdown().catch(() => undefined);
    await this.tracerProvider?.shutdown().catch(() => undefined);
  }
}
