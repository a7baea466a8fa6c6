import { COMMON_OPTIONS, connect, parseArgs, parseOrUsage, printJson, UsageError } from './common.js';

const USAGE = 'hyperface jobs (list | get ID | cancel ID | watch ID) --address HOST:PORT [--json]';

export async function jobsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() => parseArgs({ args: argv, strict: true, allowPositionals: true, options: { ...COMMON_OPTIONS } }));
  const [action, id] = positionals;
  if (values.help || !action) {
    process.stdout.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  if (action !== 'list' && !id) throw new UsageError(`jobs ${action} needs a job id`);
  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: 'none', quiet: values.quiet });
  try {
    if (action === 'list') {
      const { jobs } = await conn.client.listJobs({ pageSize: 1000 });
      if (values.json) printJson({ jobs });
      else for (const j of jobs) process.stdout.write(`${j.id}  ${j.kind.replace('JOB_KIND_', '').toLowerCase().padEnd(22)} ${j.state.replace('JOB_STATE_', '').toLowerCase().padEnd(10)} ${(j.progress * 100).toFixed(0)}%\n`);
    } else if (action === 'get') {
      const job = await conn.client.getJob(id!);
      printJson(job);
    } else if (action === 'cancel') {
      const job = await conn.client.cancelJob(id!);
      if (values.json) printJson(job);
      else process.stdout.write(`${job.id} ${job.state}\n`);
    } else if (action === 'watch') {
      for await (const event of conn.client.watchJob(id!)) process.stdout.write(JSON.stringify(event) + '\n');
    } else {
      throw new UsageError(`unknown jobs action ${action}; ${USAGE}`);
    }
    return 0;
  } finally {
    await conn.close();
  }
}
