// The streaming half of a training pipeline, from Node: pack identities, stream their faces as raw
// RGB batches (the same batches the Python IterableDataset yields), with the daemon's backpressure
// intact: faceBatches pulls lazily, so the daemon renders at most `limits.generateAhead` faces ahead
// of this loop however slow the consumer is.
//
//   npm run build                                   # sdk + server (once)
//   npx tsc -p examples/ts                          # -> examples/ts/dist/stream-faces.js
//   node server/bin/hyperface.js serve --listen 127.0.0.1:50051 --data-dir ./hf-data &
//   node examples/ts/dist/stream-faces.js --address 127.0.0.1:50051 --identities 8 --k 4 --batch 16
//
// Options: --generator NAME and --dim D (pure geometry, gallery none) for a generator other than the
// default; --gallery G (builtin gallery size when --dim is 0); --image-size S; --seed S.
// Prints one JSON line per batch ({batch, faces, identities, shape}) and a summary line.
import { parseArgs } from 'node:util';
import { collectPack, faceBatches, HyperfaceClient, type FaceBatch } from '@hyperface/sdk';

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: process.env.HYPERFACE_ADDRESS ?? '127.0.0.1:50051' },
    identities: { type: 'string', default: '8' },
    k: { type: 'string', default: '4' },
    batch: { type: 'string', default: '16' },
    dim: { type: 'string', default: '0' },
    gallery: { type: 'string', default: '64' },
    generator: { type: 'string', default: '' },
    'image-size': { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
  },
});
const identities = Number(values.identities);
const k = Number(values.k);
const batchSize = Number(values.batch);
const dim = Number(values.dim);

/** uint8 [B, H, W, 3] (one contiguous buffer) + int64-ready labels, from one batch of raw samples. */
function toArrays(batch: FaceBatch): { pixels: Uint8Array; shape: [number, number, number, number]; labels: Int32Array } {
  const first = batch.faces[0]?.image?.raw;
  if (!first) throw new Error('expected raw images (IMAGE_FORMAT_RAW)');
  const { height, width, channels } = first;
  const size = height * width * channels;
  const pixels = new Uint8Array(batch.faces.length * size);
  batch.faces.forEach((face, i) => {
    const raw = face.image?.raw;
    if (!raw || raw.data.length !== size) throw new Error(`face ${i}: unexpected image`);
    pixels.set(raw.data, i * size);
  });
  return { pixels, shape: [batch.faces.length, height, width, channels], labels: batch.identities };
}

const client = new HyperfaceClient({ address: values.address });
try {
  await client.waitForReady({ service: 'hyperface.v1.GenerationService', timeoutMs: 120_000 });
  const packed = await collectPack(
    client.pack({
      identities,
      dim,
      seed: Number(values.seed),
      gallery: dim > 0 ? { none: true } : { builtinSize: Number(values.gallery) },
      iterations: 100,
    }),
  );
  const started = Date.now();
  let faces = 0;
  let batches = 0;
  const stream = client.generate({
    packJobId: packed.jobId,
    imagesPerIdentity: k,
    format: 'IMAGE_FORMAT_RAW',
    seed: Number(values.seed),
    generator: values.generator,
    imageSize: Number(values['image-size']),
  });
  for await (const batch of faceBatches(stream, batchSize)) {
    const { pixels, shape, labels } = toArrays(batch);
    // A training step would consume `pixels` (uint8 NHWC) and `labels` here; the next batch is only
    // pulled from the daemon when this iteration finishes.
    faces += shape[0];
    batches += 1;
    process.stdout.write(JSON.stringify({ batch: batches, faces: shape[0], identities: [...new Set(labels)], shape, bytes: pixels.length }) + '\n');
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ ok: faces === identities * k, packJob: packed.jobId, faces, batches, facesPerSecond: Number((faces / seconds).toFixed(1)) }) + '\n');
  if (faces !== identities * k) process.exitCode = 1;
} finally {
  client.close();
}
