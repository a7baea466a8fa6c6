// GenerationApp end to end on a real JobManager and PathPolicy with a fake generator: the request's
// identities file is read once (start() checks it; the job's first run uses those rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpyFloat32 } from '@hyperface/sdk/npy';
import { createLogger } from '../../shared/logging.js';
import type { Generator, ModelInfo, RawImageData, RenderItem } from '../../runtime/models/types.js';
import { JobManager } from '../jobs/manager.js';
import { PathPolicy } from '../files/paths.js';
import type { FaceSampleInfo } from '../generation/events.js';
import { GenerationApp } from './generation.js';
import { generateJob } from './generation-job.js';

const DIM = 4;
const info: ModelInfo = { name: 'fake', kind: 'generator', backend: 'fake', provider: 'cpu', inputs: [], outputs: [], dim: DIM, imageSize: 4, state: 'ready' };
const generator: Generator = {
  info,
  render: (items: RenderItem[]): Promise<RawImageData[]> => Promise.resolve(items.map(() => ({ width: 4, height: 4, channels: 3, data: new Uint8Array(48) }))),
  dispose: () => Promise.resolve(),
};

void test('a generate job reads its identities file once: start() checks it and the first run renders from those rows', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-genapp-'));
  try {
    const dataDir = join(root, '.state');
    writeFileSync(join(root, 'ids.npy'), encodeNpyFloat32(Float32Array.from({ length: 3 * DIM }, (_, i) => Math.sin(i + 1)), 3, DIM));
    const jobs = new JobManager({ dataDir, maxConcurrentJobs: 2, log: createLogger('silent') });
    const paths = new PathPolicy(root, dataDir);
    // Every read of a request file goes through the policy's guard: count those of the identities.
    let reads = 0;
    const read = paths.files.read.bind(paths.files);
    paths.files.read = (path, options) => {
      if (path.endsWith('ids.npy')) reads += 1;
      return read(path, options);
    };
    const app = new GenerationApp({ jobs, paths, files: paths.files, models: () => ({ generator: () => generator, recognizer: () => Promise.reject(new Error('unused')) }), maxIdentities: 100, generateAhead: 4 });
    jobs.register(generateJob, app.run);
    await jobs.open();
    const samples: FaceSampleInfo[] = [];
    const input = { identities: { kind: 'npy' as const, path: 'ids.npy' }, params: { imagesPerIdentity: 2 }, format: 'raw' as const, jpegQuality: 90, imageSize: 0, datasetFormat: 'none' as const, skipImages: false };
    const job = await app.start(input, { sink: (s) => Promise.resolve(void samples.push(s)) });
    const done = await jobs.waitFor(job.id);
    assert.equal(done.state, 'succeeded', done.error);
    assert.deepEqual(samples.map((s) => `${s.identity}/${s.sample}`), ['0/0', '0/1', '1/0', '1/1', '2/0', '2/1']);
    assert.equal(reads, 1, 'the identities file was read back by the job');
    await jobs.shutdown(1000);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
