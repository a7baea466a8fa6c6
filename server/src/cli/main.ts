// `hyperface <command>`: dispatch, usage and the single place errors become one stderr line.
import { describeError, UsageError } from './common.js';

const USAGE = `usage: hyperface <command> [options]

commands:
  serve      run the daemon            (hyperface serve --help)
  pack       pack identities on the hypersphere
  generate   render identities as face images
  embed      embed face images with a recognizer
  eval       verify (benchmarks) | dataset (quality report)
  models     list the loaded models
  jobs       list | get | cancel | watch jobs
  demo       the whole pipeline on the embedded defaults

Each command talks to --address HOST:PORT (or $HYPERFACE_ADDRESS), or starts a daemon in-process.
--json prints one JSON object, the result summary, as the last line of stdout.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  pack: async () => (await import('./pack.js')).packCommand,
  generate: async () => (await import('./generate.js')).generateCommand,
  embed: async () => (await import('./embed.js')).embedCommand,
  eval: async () => (await import('./eval.js')).evalCommand,
  models: async () => (await import('./models-command.js')).modelsCommand,
  jobs: async () => (await import('./jobs.js')).jobsCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`hyperface: unknown command ${name}\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    process.stderr.write(`hyperface ${name}: ${describeError(error)}\n`);
    if (process.env.HYPERFACE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
