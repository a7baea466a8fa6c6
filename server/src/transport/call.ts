// Handler plumbing shared by every service: one AbortSignal per call (client cancellation,
// deadline, daemon shutdown), writes that honour backpressure, and error mapping.
import { once, setMaxListeners } from 'node:events';
import { createHash } from 'node:crypto';
import type { Metadata, ServerUnaryCall, ServerWritableStream, ServerDuplexStream, sendUnaryData } from '@grpc/grpc-js';
import { CancelledError, DeadlineExceededError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { linkSignals } from '../util/abort.js';
import { toServiceError } from './errors.js';
import type { RequestBounds } from './bounds.js';

export interface CallContext {
  signal: AbortSignal;
  log: Logger;
  /**
   * Who is calling, for fairness between callers: a digest of the bearer token when one is sent
   * (the auth interceptor has already checked it), else the peer's address without its port.
   */
  principal: string;
}

export interface TransportDeps {
  log: Logger;
  /** Aborted when the daemon starts shutting down. */
  shutdownSignal: AbortSignal;
  /** Bounds on the counts a request controls (from the limits.* settings). */
  bounds: RequestBounds;
}

/** The part of every grpc-js server call we use. */
interface AnyCall {
  readonly metadata: Metadata;
  getPeer(): string;
  getDeadline(): Date | number;
  on(event: 'cancelled', listener: () => void): unknown;
  off(event: 'cancelled', listener: () => void): unknown;
}

function callContext(call: AnyCall, deps: TransportDeps, method: string): { ctx: CallContext; dispose: () => void } {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() - Date.now() : Number.isFinite(deadline) ? Number(deadline) - Date.now() : undefined;
  const link = linkSignals([deps.shutdownSignal], ms !== undefined && ms > 0 ? ms : undefined, () => new DeadlineExceededError());
  // A stream legitimately has many waiters on its signal at once (e.g. 64 Embed items in flight),
  // and every call in progress listens to the shutdown signal (hundreds while requests queue).
  setMaxListeners(0, link.signal, deps.shutdownSignal);
  const onCancel = (): void => link.abort(new CancelledError('the client cancelled the call'));
  call.on('cancelled', onCancel);
  if (ms !== undefined && ms <= 0) link.abort(new DeadlineExceededError());
  return {
    ctx: { signal: link.signal, log: deps.log.child({ method }), principal: principalOf(call) },
    dispose: () => {
      call.off('cancelled', onCancel);
      link.dispose();
    },
  };
}

function principalOf(call: AnyCall): string {
  const header = call.metadata.get('authorization')[0];
  const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
  if (token) return `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
  return `peer:${call.getPeer().replace(/:\d+$/, '')}`;
}

export function unary<Req, Res>(deps: TransportDeps, method: string, fn: (req: Req, ctx: CallContext) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const { ctx, dispose } = callContext(call, deps, method);
    fn(call.request, ctx)
      .then((res) => callback(null, res))
      .catch((error: unknown) => callback(toServiceError(error, ctx.log, method)))
      .finally(dispose);
  };
}

export interface StreamWriter<Res> {
  /** Writes one message; resolves when the transport can take more (backpressure). */
  write(message: Res): Promise<void>;
}

/** Writes and waits for 'drain' when grpc-js' buffer is full; rejects when the call ends first. */
export function makeWriter<Res>(call: ServerWritableStream<unknown, Res> | ServerDuplexStream<unknown, Res>, signal: AbortSignal): StreamWriter<Res> {
  return {
    async write(message) {
      if (signal.aborted) throw signal.reason;
      if (call.write(message)) return;
      await once(call, 'drain', { signal });
    },
  };
}

export function serverStream<Req, Res>(deps: TransportDeps, method: string, fn: (req: Req, out: StreamWriter<Res>, ctx: CallContext) => Promise<void>) {
  return (call: ServerWritableStream<Req, Res>): void => {
    const { ctx, dispose } = callContext(call, deps, method);
    fn(call.request, makeWriter(call, ctx.signal), ctx)
      .then(() => call.end())
      .catch((error: unknown) => {
        if (call.cancelled) return; // nobody to tell
        call.emit('error', toServiceError(error, ctx.log, method));
      })
      .finally(dispose);
  };
}

export function duplexStream<Req, Res>(deps: TransportDeps, method: string, fn: (call: ServerDuplexStream<Req, Res>, out: StreamWriter<Res>, ctx: CallContext) => Promise<void>) {
  return (call: ServerDuplexStream<Req, Res>): void => {
    const { ctx, dispose } = callContext(call, deps, method);
    fn(call, makeWriter(call, ctx.signal), ctx)
      .then(() => call.end())
      .catch((error: unknown) => {
        if (call.cancelled) return;
        call.emit('error', toServiceError(error, ctx.log, method));
      })
      .finally(dispose);
  };
}
