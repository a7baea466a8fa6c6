// What every CLI command shares: argument parsing, connecting (to --address or an in-process
// daemon), progress on a TTY, `--json` output and one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HyperfaceClient, type HyperfaceError } from '@hyperface/sdk';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  address: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** Runs node's parseArgs (called at the command, so its precise types stay local) with usage errors. */
export function parseOrUsage<T>(parseFn: () => T): T {
  try {
    return parseFn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export { parseArgs };

type CommandConfig<O extends Options> = { args: string[]; strict: true; allowPositionals: boolean; options: typeof COMMON_OPTIONS & O };

/**
 * A command's flags (strict, plus COMMON_OPTIONS) with usage errors; undefined after printing
 * `usage` for --help (the command then exits 0).
 */
export function parseCommand<O extends Options>(argv: string[], usage: string, options: O, allowPositionals = false): ReturnType<typeof parseArgs<CommandConfig<O>>> | undefined {
  const config: CommandConfig<O> = { args: argv, strict: true, allowPositionals, options: { ...COMMON_OPTIONS, ...options } };
  const parsed = parseOrUsage(() => parseArgs(config));
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return undefined;
  }
  return parsed;
}

/** The proto type a numeric flag goes into: its value must fit, or it would wrap silently on the wire. */
export type IntField = 'uint32' | 'uint64';
const INT_MAX: Record<IntField, number> = { uint32: 0xffff_ffff, uint64: Number.MAX_SAFE_INTEGER };
const FLOAT32_MAX = 3.4028234663852886e38;

/** A non-negative integer flag that fits `field` (uint64 values above 2^53 - 1 lose precision as numbers, so they are refused too). */
export function intOption(value: string | undefined, name: string, fallback?: number, field: IntField = 'uint32'): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  const max = INT_MAX[field];
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} must be an integer in [0, ${max}] (${field}), got ${clip(value)}`);
  return n;
}

/** A finite number flag; `float` fields must also fit a float32 (larger values become infinite on the wire). */
export function numberOption(value: string | undefined, name: string, field: 'double' | 'float' = 'double'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${clip(value)}`);
  if (field === 'float' && Math.abs(n) > FLOAT32_MAX) throw new UsageError(`--${name} must fit a float (|x| <= ${FLOAT32_MAX}), got ${clip(value)}`);
  return n;
}

/** Echoes at most 40 characters of user input. */
function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

export interface Connection {
  client: HyperfaceClient;
  /** True when the daemon runs inside this process (paths are local). */
  inProcess: boolean;
  close(): Promise<void>;
}

export interface InProcessOptions {
  dataDir?: string;
  configFile?: string;
  /** Models to load in the in-process daemon: 'all', 'none', or names. */
  models: 'all' | 'none' | string[];
  quiet: boolean;
}

/** Connects to `--address`, or starts a daemon in this process on a free loopback port. */
export async function connect(values: { address?: string; token?: string }, inProcess: InProcessOptions): Promise<Connection> {
  const address = values.address ?? process.env.HYPERFACE_ADDRESS;
  const token = values.token ?? process.env.HYPERFACE_TOKEN;
  if (address) {
    const client = new HyperfaceClient({ address, token });
    return { client, inProcess: false, close: async () => client.close() };
  }
  const { startDaemon } = await import('../daemon/daemon.js');
  const { loadConfig } = await import('../config/load.js');
  const overrides: Record<string, unknown> = { listen: '127.0.0.1:0', dataRoot: '/', logLevel: inProcess.quiet ? 'error' : 'warn' };
  if (inProcess.dataDir) overrides.dataDir = inProcess.dataDir;
  if (inProcess.models === 'none') {
    overrides['models.builtin'] = false;
  } else if (Array.isArray(inProcess.models)) {
    overrides['models.load'] = inProcess.models;
  }
  const config = await loadConfig({ file: inProcess.configFile, env: process.env, overrides });
  const daemon = await startDaemon(config);
  try {
    await daemon.ready; // model files that fail to load fail the command with their message
  } catch (error) {
    await daemon.shutdown();
    throw error;
  }
  const client = new HyperfaceClient({ address: `127.0.0.1:${daemon.port}` });
  return {
    client,
    inProcess: true,
    close: async () => {
      client.close();
      await daemon.shutdown();
    },
  };
}

/** A one-line progress bar on stderr when it is a TTY (nothing otherwise). */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private last = 0;
  constructor(private readonly quiet: boolean) {}
  update(done: number, total: number, text: string): void {
    if (!this.tty || this.quiet) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const width = 28;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    process.stderr.write(`\r[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${text}`.slice(0, (process.stderr.columns || 120) - 1).padEnd(40) + '\x1b[K');
  }
  done(): void {
    if (this.tty && !this.quiet) process.stderr.write('\r\x1b[K');
  }
}

/** Human lines go to stderr when --json is set so stdout's last line is the JSON object. */
export function say(json: boolean, quiet: boolean, line: string): void {
  if (quiet) return;
  (json ? process.stderr : process.stdout).write(line + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  const e = error as Partial<HyperfaceError> | undefined;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const violations = (e.fieldViolations ?? []).filter((v) => !e.message!.includes(v.description));
    return `${e.code}: ${e.message}${violations.length ? ` (${violations.map((v) => `${v.field}: ${v.description}`).join('; ')})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
