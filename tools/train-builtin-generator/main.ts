// Trains the builtin generator's MLP (recognizer embedding → facesjs identity parameters), sets its
// identity decoding and measures held-out identity consistency. Everything comes from --seed.
//
//   npx tsc -b sdk server tools
//   node tools/dist/train-builtin-generator/main.js --samples 5000 --eval 100 --seed 1 \
//        --out server/models/builtin-generator/ --cache /tmp/bg-cache [--epochs 40] [--hidden 256]
//        [--input-noise 0.02] [--temperature 0] [--numeric-spread 0] [--embed-only]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { saveModel } from '@hyperface/server/runtime/backends/builtin-generator/model';
import { measureConsistency } from './consistency.js';
import { buildTrainingSet, cachedSet, TRAIN_VARIATION } from './data.js';
import { fitMlp, setDecoding } from './fit.js';

const OPTIONS = {
  samples: { type: 'string', default: '5000' },
  eval: { type: 'string', default: '100' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string', default: 'server/models/builtin-generator/' },
  epochs: { type: 'string', default: '40' },
  hidden: { type: 'string', default: '256' },
  'input-noise': { type: 'string', default: '0.02' },
  temperature: { type: 'string', default: '0' },
  'numeric-spread': { type: 'string', default: '0' },
  recognizer: { type: 'string', default: 'faceres' },
  judge: { type: 'string', default: 'faceapi' },
  cache: { type: 'string' },
  'embed-only': { type: 'boolean', default: false },
} as const;

function num(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < 0) throw new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${text}`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  const samples = num('samples', values.samples, true);
  const evalCount = num('eval', values.eval, true);
  const seed = num('seed', values.seed, true);
  const epochs = num('epochs', values.epochs, true);
  const hidden = values.hidden.split(',').map((h) => num('hidden', h, true));
  const inputNoise = num('input-noise', values['input-noise'], false);
  const temperature = num('temperature', values.temperature, false);
  const numericSpread = num('numeric-spread', values['numeric-spread'], false);
  const out = resolve(values.out);
  const log = (msg: string): void => console.error(`[train] ${msg}`);

  const { builtinModels } = await import('@hyperface/server/runtime/models/config');
  const { createTfjsRecognizer } = await import('@hyperface/server/runtime/backends/tfjs');
  const entryOf = (name: string): Parameters<typeof createTfjsRecognizer>[0] => {
    const e = builtinModels().find((m) => m.name === name);
    if (!e) throw new Error(`unknown builtin recognizer ${name}`);
    return e;
  };
  const recognizer = await createTfjsRecognizer(entryOf(values.recognizer));
  const t0 = Date.now();
  const total = samples + evalCount;
  const set = await cachedSet(values.cache, () => buildTrainingSet(total, seed, recognizer, { log }), `views-v2/${seed}/${total}/${values.recognizer}`);
  const embedSeconds = (Date.now() - t0) / 1000;
  log(`training set: ${total} renders embedded in ${embedSeconds.toFixed(0)} s`);
  if (values['embed-only']) {
    await recognizer.dispose();
    return;
  }
  // Validation rows = the last `evalCount` identities (never trained on).
  const fit = await fitMlp(set, { seed, hidden, epochs, validation: evalCount, inputNoise, log });
  log(`fit: ${fit.seconds.toFixed(0)} s, val accuracy ${fit.valAccuracy?.toFixed(3)}, numeric MAE ${fit.valNumericMae?.toFixed(3)}`);
  const weights = setDecoding(fit.weights, set, evalCount, { temperature, numericSpread, seed });
  const heldOut = { params: set.params.slice(samples), inputs: set.inputs.subarray(samples * set.dim), offset: samples };
  const judge = await createTfjsRecognizer(entryOf(values.judge));
  const consistency = evalCount > 0 ? await measureConsistency(weights, heldOut, seed, [recognizer, judge]) : [];
  for (const c of consistency) log(`consistency ${JSON.stringify(c)}`);
  const training = {
    command: `node tools/dist/train-builtin-generator/main.js ${argv.join(' ')}`,
    samples,
    heldOut: evalCount,
    seed,
    epochs,
    hidden,
    inputNoise,
    recognizer: values.recognizer,
    views: 'one per identity, every nuisance amount a ~ U[0, 1] (0.5 = the default variation)',
    evaluationVariation: TRAIN_VARIATION,
    embedSeconds: Math.round(embedSeconds),
    fitSeconds: Math.round(fit.seconds),
    finalTrainLoss: fit.trainLoss.at(-1),
    finalValLoss: fit.valLoss.at(-1),
    valCategoricalAccuracy: fit.valAccuracy,
    valNumericMae: fit.valNumericMae,
    consistency,
  };
  await saveModel(out, weights, { recognizer: values.recognizer, training });
  console.log(JSON.stringify(training, null, 2));
  await recognizer.dispose();
  await judge.dispose();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
