// Assembles the grpc-js server: the six hyperface.v1 services, grpc.health.v1 (per service) and
// server reflection, with message limits and TLS from config.
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, loadPackageDefinition, type UntypedServiceImplementation, type ServiceDefinition } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { loadPackageDefinition as loadHyperface, SERVICE_NAMES } from '@hyperface/sdk/proto';
import { FailedPreconditionError } from '../shared/errors.js';

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface GrpcServerOptions {
  maxMessageBytes: number;
  tls?: { cert?: string; key?: string; clientCa?: string };
  interceptors?: ConstructorParameters<typeof Server>[0] extends infer O ? (O extends { interceptors?: infer I } ? I : never) : never;
}

export class GrpcServer {
  readonly server: Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(SERVICE_NAMES.map((s) => [s, 'NOT_SERVING'])) });
  private readonly definitions: Record<string, ServiceDefinition>;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageBytes,
      'grpc.max_send_message_length': options.maxMessageBytes,
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    });
    const pkg = loadHyperface();
    const grpcObject = loadPackageDefinition(pkg) as unknown as { hyperface: { v1: Record<string, { service: ServiceDefinition }> } };
    this.definitions = Object.fromEntries(SERVICE_NAMES.map((name) => [name, grpcObject.hyperface.v1[name.split('.').pop()!]!.service]));
    this.health.addToServer(this.server);
    new ReflectionService(pkg).addToServer(this.server);
  }

  add(name: ServiceName, handlers: UntypedServiceImplementation): void {
    const definition = this.definitions[name];
    if (!definition) throw new Error(`unknown service ${name}`);
    this.server.addService(definition, handlers);
  }

  setStatus(name: ServiceName | '', status: ServingStatus): void {
    this.health.setStatus(name, status);
  }

  /** Binds and returns the actual port (port 0 picks a free one). */
  async listen(address: string): Promise<number> {
    const creds = this.credentials();
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, creds, (error, port) => (error ? reject(error) : resolve(port)));
    });
  }

  private credentials(): ServerCredentials {
    const tls = this.options.tls;
    if (!tls?.cert && !tls?.key) return ServerCredentials.createInsecure();
    if (!tls.cert || !tls.key) throw new FailedPreconditionError('tls.cert and tls.key must be set together');
    const read = (p: string, what: string): Buffer => {
      try {
        return readFileSync(p);
      } catch (error) {
        throw new FailedPreconditionError(`cannot read ${what} ${p}: ${(error as Error).message}`);
      }
    };
    const ca = tls.clientCa ? read(tls.clientCa, 'tls.clientCa') : null;
    return ServerCredentials.createSsl(ca, [{ cert_chain: read(tls.cert, 'tls.cert'), private_key: read(tls.key, 'tls.key') }], ca !== null);
  }

  /** Stops accepting calls and waits for running ones; forces after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
