import { COMMON_OPTIONS, connect, parseArgs, parseOrUsage, printJson } from './common.js';

export async function modelsCommand(argv: string[]): Promise<number> {
  const { values } = parseOrUsage(() => parseArgs({ args: argv, strict: true, options: { ...COMMON_OPTIONS } }));
  if (values.help) {
    process.stdout.write('hyperface models [--address HOST:PORT] [--json]\n');
    return 0;
  }
  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: 'all', quiet: values.quiet });
  try {
    await conn.client.waitForReady({ timeoutMs: 600_000 });
    const models = (await conn.client.listModels()).map((m) => ({
      name: m.name,
      kind: m.kind === 'MODEL_KIND_RECOGNIZER' ? 'recognizer' : 'generator',
      backend: m.backend,
      dim: m.dim,
      provider: m.provider,
      state: m.state.replace('MODEL_STATE_', '').toLowerCase(),
      image_size: m.imageSize,
      default: m.isDefault,
      inputs: m.inputs.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype })),
      outputs: m.outputs.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype })),
      error: m.error || undefined,
      description: m.description,
    }));
    if (values.json) printJson({ models });
    else {
      for (const m of models) {
        process.stdout.write(`${m.default ? '*' : ' '} ${m.name.padEnd(14)} ${m.kind.padEnd(10)} ${m.backend.padEnd(14)} dim ${String(m.dim).padEnd(5)} ${String(m.image_size).padStart(3)}px  ${m.provider.padEnd(8)} ${m.state}${m.error ? `: ${m.error}` : ''}\n`);
      }
    }
    return 0;
  } finally {
    await conn.close();
  }
}
