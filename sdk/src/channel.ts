// The client's channel as grpc-js configures it: target, credentials and channel arguments, with
// retries and round-robin balancing declared in the channel's service config rather than
// hand-written around each call. Retried: UNAVAILABLE (with back-off) and RESOURCE_EXHAUSTED when
// the daemon sends a retry delay (`grpc-retry-pushback-ms`, which grpc-js waits out; the daemon
// sends -1, "do not retry", for refusals that waiting does not cure). Retries stay within the
// call's deadline and happen only before the first response message.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

export interface TlsOptions {
  /** PEM CA certificate(s) to trust (file path or contents). @default the system roots */
  ca?: string | Buffer;
  /** Client certificate and key for mTLS (file paths or contents). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface RetryOptions {
  /** Attempts in total (1 = no retry; grpc-js allows at most 5). @default 4 */
  maxAttempts?: number;
  /** @default 100 */
  initialBackoffMs?: number;
  /** @default 2000 */
  maxBackoffMs?: number;
}

export interface KeepaliveOptions {
  /** Interval between HTTP/2 keepalive pings (`grpc.keepalive_time_ms`). */
  timeMs?: number;
  /** How long to wait for a ping's ack before the connection is dropped (`grpc.keepalive_timeout_ms`). */
  timeoutMs?: number;
  /** Ping even when no call is active (`grpc.keepalive_permit_without_calls`). */
  permitWithoutCalls?: boolean;
}

export interface ClientOptions {
  /**
   * One gRPC target: `host:port`, or any target grpc-js resolves, such as `dns:///name:port`
   * (every address the name resolves to, balanced round-robin), `ipv4:a:p,b:p` or `unix:/path`.
   */
  address?: string;
  /** Several daemons by IP address (`ip:port`, `[ipv6]:port`), balanced round-robin per call. */
  addresses?: string[];
  /** `true` = TLS with system roots; an object = custom CA / mTLS. @default false (plaintext) */
  tls?: boolean | TlsOptions;
  /** Bearer token sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Metadata (headers) sent with every call; CallOptions.headers adds to it per call. */
  headers?: Record<string, string>;
  /**
   * Retry policy for UNAVAILABLE, and for RESOURCE_EXHAUSTED after the delay the daemon asks for.
   * @default { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000 }
   */
  retry?: RetryOptions;
  keepalive?: KeepaliveOptions;
  /** Largest message received. @default 4 MiB + 64 KiB */
  maxReceiveMessageBytes?: number;
  /** Raw grpc-js channel arguments, applied last (they override everything above). */
  channelOptions?: ChannelOptions;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)}s`;

/** The grpc-js target for `options`: one address as given, several IP addresses as one ipv4:/ipv6: target. */
export function channelTarget(options: Pick<ClientOptions, 'address' | 'addresses'>): string {
  const addresses = options.addresses ?? (options.address ? [options.address] : []);
  if (addresses.length === 0) throw new TypeError('HyperfaceClient needs `address` or `addresses`');
  if (addresses.length === 1) return addresses[0]!;
  const families = addresses.map((a) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a);
    return m ? isIP(m[1]!) : 0;
  });
  if (families.every((f) => f === 4)) return `ipv4:${addresses.join(',')}`;
  if (families.every((f) => f === 6)) return `ipv6:${addresses.join(',')}`;
  throw new TypeError('`addresses` takes IP addresses of one family (ip:port); for a host name use `address: "dns:///name:port"`, which balances over every address it resolves to');
}

/** grpc-js channel arguments: service config (round_robin, retryPolicy), keepalive, limits, then `channelOptions`. */
export function channelArguments(options: ClientOptions): ChannelOptions {
  const retry = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000, ...options.retry };
  const methodConfig =
    retry.maxAttempts > 1
      ? [
          {
            name: [{}],
            retryPolicy: {
              maxAttempts: Math.min(5, Math.floor(retry.maxAttempts)),
              initialBackoff: seconds(retry.initialBackoffMs),
              maxBackoff: seconds(retry.maxBackoffMs),
              backoffMultiplier: 2,
              retryableStatusCodes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'],
            },
          },
        ]
      : [];
  const args: ChannelOptions = {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }], methodConfig }),
    // Our service config, not one published in DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 4 * 1024 * 1024 + 65536,
  };
  if (options.keepalive?.timeMs !== undefined) args['grpc.keepalive_time_ms'] = options.keepalive.timeMs;
  if (options.keepalive?.timeoutMs !== undefined) args['grpc.keepalive_timeout_ms'] = options.keepalive.timeoutMs;
  if (options.keepalive?.permitWithoutCalls !== undefined) args['grpc.keepalive_permit_without_calls'] = options.keepalive.permitWithoutCalls ? 1 : 0;
  return { ...args, ...options.channelOptions };
}

function readPem(v: string | Buffer | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  return v.includes('-----BEGIN') ? Buffer.from(v) : readFileSync(v);
}

export function channelCredentials(tls: ClientOptions['tls']): ChannelCredentials {
  if (tls === true) return credentials.createSsl();
  if (tls) return credentials.createSsl(readPem(tls.ca) ?? null, readPem(tls.key) ?? null, readPem(tls.cert) ?? null);
  return credentials.createInsecure();
}
