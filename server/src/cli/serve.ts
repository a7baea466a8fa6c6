import { loadConfig, describeSettings } from '../config/load.js';
import { flagName, SETTINGS } from '../config/schema.js';
import { parseArgs, parseOrUsage, UsageError } from './common.js';

export const SERVE_USAGE = `hyperface serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--<setting> VALUE ...]
  Every setting (docs/configuration.md) is also a flag: --limits-max-concurrent-jobs 4, --compute-device gpu, ...
  --print-config   print the effective configuration as JSON and exit
  --settings       print the table of settings and exit`;

export async function serveCommand(argv: string[]): Promise<number> {
  // One flag per setting, generated from the schema, plus the documented short names.
  const settingFlags = Object.fromEntries(SETTINGS.map((s) => [flagName(s.path), { type: 'string' as const }]));
  const { values } = parseOrUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...settingFlags,
        config: { type: 'string' },
        'auth-token-file': { type: 'string' },
        'print-config': { type: 'boolean', default: false },
        settings: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  if (values.settings) {
    process.stdout.write(describeSettings() + '\n');
    return 0;
  }
  const overrides: Record<string, unknown> = {};
  for (const { path } of SETTINGS) {
    const v = (values as Record<string, unknown>)[flagName(path)];
    if (typeof v === 'string') overrides[path] = v;
  }
  if (typeof values['auth-token-file'] === 'string') overrides['auth.tokenFile'] = values['auth-token-file'];
  const config = await loadConfig({ file: typeof values.config === 'string' ? values.config : process.env.HYPERFACE_CONFIG, env: process.env, overrides });
  if (values['print-config']) {
    process.stdout.write(JSON.stringify(config, null, 2) + '\n');
    return 0;
  }
  const { startDaemon } = await import('../daemon/daemon.js');
  const daemon = await startDaemon(config, { watchdog: true });
  if (daemon.port === 0) throw new UsageError('could not bind');
  // One line on stdout so scripts (and tests) can read the port chosen for --listen HOST:0.
  process.stdout.write(JSON.stringify({ listening: daemon.address, port: daemon.port, metricsPort: daemon.metricsPort || undefined }) + '\n');
  let exitCode = 0;
  await new Promise<void>((resolve) => {
    daemon.ready.catch((error: unknown) => {
      process.stderr.write(`hyperface serve: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 1;
      daemon.shutdown().then(resolve, resolve);
    });
    const stop = (signal: string): void => {
      daemon.log.info('signal received', { signal });
      daemon.shutdown().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return exitCode;
}
