// grpc.health.v1 as the daemon starts and stops: per service, SERVING once what it needs is up.
import { SERVICE_NAMES } from '@hyperface/sdk/proto';
import type { ModelInfo, ModelKind } from '../runtime/models/types.js';
import type { GrpcServer } from './server.js';

export class DaemonHealth {
  private ready = false;
  private down = false;
  private lagging = false;
  constructor(private readonly grpc: GrpcServer) {}

  /** The main thread's worst event-loop delay of the last window: past `limitMs` the server reads NOT_SERVING until it recovers. */
  loopDelay(worstMs: number, limitMs: number): void {
    const lagging = worstMs > limitMs;
    if (lagging === this.lagging) return;
    this.lagging = lagging;
    if (this.ready && !this.down) this.grpc.setStatus('', lagging ? 'NOT_SERVING' : 'SERVING');
  }

  /** The port is open: jobs can be listed and watched (everything else is NOT_SERVING). */
  listening(): void {
    this.grpc.setStatus('hyperface.v1.JobService', 'SERVING');
  }

  /** The packing compute engine is up. */
  computeReady(): void {
    this.grpc.setStatus('hyperface.v1.PackingService', 'SERVING');
  }

  /** Models are loaded and warmed: recognition and generation serve when a model of theirs is ready. */
  modelsLoaded(models: { list(kind?: ModelKind): ModelInfo[] }): void {
    this.grpc.setStatus('hyperface.v1.ModelService', 'SERVING');
    const ready = (kind: ModelKind): boolean => models.list(kind).some((m) => m.state === 'ready');
    this.grpc.setStatus('hyperface.v1.RecognitionService', ready('recognizer') ? 'SERVING' : 'NOT_SERVING');
    this.grpc.setStatus('hyperface.v1.EvaluationService', 'SERVING');
    this.grpc.setStatus('hyperface.v1.GenerationService', ready('generator') ? 'SERVING' : 'NOT_SERVING');
    this.ready = true;
    this.grpc.setStatus('', this.lagging ? 'NOT_SERVING' : 'SERVING');
  }

  /** Shutting down: every service, and the server as a whole, NOT_SERVING. */
  stopping(): void {
    this.down = true;
    this.grpc.setStatus('', 'NOT_SERVING');
    for (const s of SERVICE_NAMES) this.grpc.setStatus(s, 'NOT_SERVING');
  }
}
