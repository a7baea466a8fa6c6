// Server interceptors: bearer-token auth (grpc.health.v1 and reflection stay open for probes and
// generic clients), per-token concurrent-call limits (reflection included: open does not mean
// unlimited; the health check alone is exempt so probes always get through), and per-RPC metrics + spans.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { FailedPreconditionError, ResourceExhaustedError, UnauthenticatedError, type HyperfaceError } from '../shared/errors.js';
import { toServiceError } from './errors.js';
import type { Logger } from '../shared/logging.js';
import type { Telemetry } from '../shared/telemetry.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';

/** No token needed. */
const OPEN_PREFIXES = ['/grpc.health.v1.Health/', '/grpc.reflection.'];
/** Not counted against limits.maxCallsPerClient: the health check (a Watch is a stream held open, so it counts). */
const UNLIMITED_PATHS = ['/grpc.health.v1.Health/Check'];

/** Accepted tokens as SHA-256 digests (plain tokens from config/files are hashed on load). */
export class TokenSet {
  private readonly digests: Buffer[];

  constructor(entries: string[]) {
    this.digests = entries
      .map((e) => e.trim())
      .filter((e) => e.length > 0 && !e.startsWith('#'))
      .map((e) => (e.startsWith('sha256:') ? Buffer.from(e.slice(7), 'hex') : sha256(e)));
    if (this.digests.some((d) => d.length !== 32)) throw new FailedPreconditionError('auth tokens: a sha256: entry is not 64 hex digits');
  }

  static load(tokens: string[], file?: string): TokenSet | null {
    const entries = [...tokens];
    if (file) {
      try {
        entries.push(...readFileSync(file, 'utf8').split('\n'));
      } catch (error) {
        throw new FailedPreconditionError(`cannot read auth.tokenFile ${file}: ${(error as Error).message}`);
      }
    }
    const set = new TokenSet(entries);
    return set.size > 0 ? set : null;
  }

  get size(): number {
    return this.digests.length;
  }

  /** The principal (digest prefix) of a valid token, or undefined. */
  check(token: string): string | undefined {
    const d = sha256(token);
    return this.digests.some((x) => timingSafeEqual(x, d)) ? d.toString('hex').slice(0, 12) : undefined;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export interface InterceptorOptions {
  tokens: TokenSet | null;
  /** Concurrent calls one token (or, without auth, one peer address) may hold. */
  maxCallsPerPrincipal: number;
  telemetry: Telemetry;
  log: Logger;
}

export function createInterceptors(options: InterceptorOptions): ServerInterceptor[] {
  const active = new Map<string, number>();
  const interceptor: ServerInterceptor = (method, call) => {
    const path = method.path;
    const [, service = '', name = ''] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
    const open = OPEN_PREFIXES.some((p) => path.startsWith(p));
    const unlimited = UNLIMITED_PATHS.includes(path);
    const started = process.hrtime.bigint();
    // One server span per RPC (the role grpc instrumentation plays; ESM loaders make the
    // require-hook instrumentation unreliable, so the interceptor does it).
    const span = options.telemetry.tracer.startSpan(path, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': name } });
    let principal: string | undefined;
    let finished = false;
    let recorded = false;
    const record = (code: status): void => {
      if (recorded) return;
      recorded = true;
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status[code] });
      span.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      options.telemetry.rpcDuration.record(seconds, { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': name, 'rpc.grpc.status_code': code });
      if (code !== status.OK && code !== status.CANCELLED) options.log.debug('rpc finished', { method: path, code: status[code], seconds });
    };
    const reject = (error: HyperfaceError): void => {
      const st = toServiceError(error, options.log, path);
      record(st.code);
      call.sendStatus(st);
    };
    const release = (): void => {
      if (finished) return;
      finished = true;
      if (principal !== undefined) {
        const n = (active.get(principal) ?? 1) - 1;
        if (n <= 0) active.delete(principal);
        else active.set(principal, n);
      }
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            if (!unlimited) {
              const peer = `peer:${call.getPeer().replace(/:\d+$/, '')}`;
              let who: string | undefined = peer;
              if (options.tokens) {
                const header = metadata.get('authorization')[0];
                const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
                who = token ? options.tokens.check(token) : undefined;
                if (!who && open) who = peer; // reflection without (a valid) token: limited per peer
                if (!who) {
                  reject(new UnauthenticatedError(token ? 'invalid bearer token' : 'missing bearer token (authorization: Bearer <token>)'));
                  return;
                }
              }
              const n = active.get(who) ?? 0;
              if (n >= options.maxCallsPerPrincipal) {
                reject(new ResourceExhaustedError(`too many concurrent calls for this client (limits.maxCallsPerClient = ${options.maxCallsPerPrincipal})`, 1000));
                return;
              }
              principal = who;
              active.set(who, n + 1);
            }
            mdNext(metadata);
          },
          onCancel() {
            release();
            record(status.CANCELLED);
          },
        });
      },
      sendStatus(st, next) {
        release();
        record(st.code);
        next(st);
      },
    });
  };
  return [interceptor];
}
