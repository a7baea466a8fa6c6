// Issue 13, read side: request-controlled files are hostile. Count bombs, symlinks out of the data
// root, `..` names, /dev/zero, FIFOs, folders and corrupt files get a clear status; the daemon
// (a child process, so that a hang or a crash fails the test instead of the runner) keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { spawnDaemon, type ChildDaemon } from '../helpers/daemon.js';
import { codeOf } from '../helpers/calls.js';
import { binCountBomb, corruptRecordIO, devZeroLink, fifo, hostileRoot, imageFolder, lfwPairs, link, npy, npyShapeBomb, openFds, recordIOCountBomb, type HostileRoot } from '../helpers/hostile.js';

let d: ChildDaemon;
let h: HostileRoot;
const MAX_PAIRS = 50;
const MAX_SAMPLES = 40;


async function messageOf(it: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of it) void _;
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

before(async () => {
  h = await hostileRoot();
  d = await spawnDaemon(
    ['--data-dir', join(dirname(h.root), 'state'), '--data-root', h.root, '--limits-max-evaluation-pairs', String(MAX_PAIRS), '--limits-max-dataset-samples', String(MAX_SAMPLES)],
    { HYPERFACE_LOG_LEVEL: 'warn', HYPERFACE_MODELS_BUILTIN: 'false' },
  );
});
after(async () => {
  d.client.close();
  d.child.kill('SIGKILL');
  await d.exited;
});

test('count bombs (RecordIO header, .bin, .npy shape, pairs.txt, EvaluateDataset pairs) get INVALID_ARGUMENT; the daemon survives', async () => {
  await recordIOCountBomb(join(h.root, 'rec-bomb'), 1e9);
  binCountBomb(join(h.root, 'bomb.bin'), 2 * MAX_PAIRS + 2);
  npyShapeBomb(join(h.root, 'shape-bomb.npy'), [1e9, 512]);
  npyShapeBomb(join(h.root, 'labels.npy'), [4], 4);
  lfwPairs(join(h.root, 'lfw', 'pairs.txt'), Array.from({ length: MAX_PAIRS + 1 }, (_, i) => `Someone ${i + 1} ${i + 2}`));
  await imageFolder(join(h.root, 'small'), 2, 2);
  const c = d.client;
  const cases: Array<[string, AsyncIterable<unknown>]> = [
    ['RecordIO header claims 1e9 images', c.evaluateDataset({ datasetPath: 'rec-bomb' })],
    ['.bin with more images than limits.maxEvaluationPairs allows', c.evaluateVerification({ binPath: 'bomb.bin' })],
    ['.npy shape bomb as verification embeddings', c.evaluateVerification({ npy: { embeddingsPath: 'shape-bomb.npy', issamePath: 'labels.npy' } })],
    ['.npy shape bomb as a pack gallery', c.pack({ identities: 4, gallery: { npyPath: 'shape-bomb.npy' } })],
    ['.npy shape bomb as generate embeddings', c.generate({ embeddingsPath: 'shape-bomb.npy', imagesPerIdentity: 1 })],
    ['pairs.txt with too many pairs', c.evaluateVerification({ lfw: { pairsPath: 'lfw/pairs.txt', imageDir: 'lfw' } })],
    ['EvaluateDataset pairs 4294967295', c.evaluateDataset({ datasetPath: 'small', pairs: 4294967295 })],
    ['verification folds 4294967295', c.evaluateVerification({ binPath: 'bomb.bin', folds: 4294967295 })],
  ];
  for (const [name, call] of cases) assert.equal(await codeOf(call), 'INVALID_ARGUMENT', name);
  assert.equal(await c.health(), 'SERVING');
});

test('files that resolve outside the data root (symlinks, manifest `..` entries, pairs.txt names, /dev/zero) are refused, never read', async () => {
  // An ImageFolder whose first image is a symlink out of the root.
  await imageFolder(join(h.root, 'links'), 2, 2);
  const first = join(h.root, 'links', '000000', '0000.png');
  rmSync(first);
  link(h.outsidePng, first);
  // A manifest whose `file` climbs out.
  await imageFolder(join(h.root, 'climb'), 1, 1);
  writeFileSync(join(h.root, 'climb', 'manifest.jsonl'), JSON.stringify({ identity: 0, sample: 0, seed: 1, file: '../../outside/x.png', cosine: 0 }) + '\n');
  // LFW names that climb: join(image_dir, name, name_0001.jpg) lands in the folder above the root.
  const base = dirname(h.root);
  const climber = `../../../${basename(base)}/outside`;
  writeFileSync(join(base, 'outside_0001.jpg'), readFileSync(h.outsidePng));
  lfwPairs(join(h.root, 'lfwclimb', 'pairs.txt'), [`${climber} 1 1`]);
  // A symlinked image folder entry pointing at /dev/zero.
  mkdirSync(join(h.root, 'dz', '000000'), { recursive: true });
  devZeroLink(join(h.root, 'dz', '000000', '0000.png'));
  // A gallery .npy and a pack gallery folder reached through symlinks.
  npy(join(h.outside, 'g.npy'), 8, 4);
  link(join(h.outside, 'g.npy'), join(h.root, 'g-link.npy'));
  link(h.outside, join(h.root, 'outside-link'));

  const c = d.client;
  const cases: Array<[string, AsyncIterable<unknown>, string]> = [
    ['dataset image symlinked outside', c.evaluateDataset({ datasetPath: 'links' }), 'PERMISSION_DENIED'],
    ['manifest file ../../outside/x.png', c.evaluateDataset({ datasetPath: 'climb' }), 'PERMISSION_DENIED'],
    ['pairs.txt names climbing out', c.evaluateVerification({ lfw: { pairsPath: 'lfwclimb/pairs.txt', imageDir: 'lfwclimb' } }), 'PERMISSION_DENIED'],
    ['dataset image linked to /dev/zero', c.evaluateDataset({ datasetPath: 'dz' }), 'PERMISSION_DENIED'],
    ['gallery .npy symlinked outside', c.pack({ identities: 4, gallery: { npyPath: 'g-link.npy' } }), 'PERMISSION_DENIED'],
    ['generate embeddings symlinked outside', c.generate({ embeddingsPath: 'g-link.npy', imagesPerIdentity: 1 }), 'PERMISSION_DENIED'],
  ];
  for (const [name, call, code] of cases) assert.equal(await codeOf(call), code, name);
  assert.equal(await c.health(), 'SERVING');
});

test('an evaluation report_dir that is a symlink out of the root is refused before any job runs; nothing lands outside', async () => {
  const outsideReports = join(h.outside, 'reports');
  mkdirSync(outsideReports);
  link(outsideReports, join(h.root, 'reports-link'));
  await imageFolder(join(h.root, 'small'), 2, 2);
  const c = d.client;
  const verify = c.evaluateVerification({ binPath: 'any.bin', reportDir: 'reports-link' });
  assert.equal(await codeOf(verify), 'PERMISSION_DENIED');
  assert.equal(await codeOf(c.evaluateDataset({ datasetPath: 'small', reportDir: 'reports-link/sub' })), 'PERMISSION_DENIED');
  assert.deepEqual(readdirSync(outsideReports), []);
  assert.equal(await c.health(), 'SERVING');
});

test('FIFOs and folders given as files get INVALID_ARGUMENT without blocking; later Packs and CancelJob still work', { timeout: 120_000 }, async () => {
  const c = d.client;
  fifo(join(h.root, 'fifo.npy'));
  fifo(join(h.root, 'fifo.bin'));
  fifo(join(h.root, 'fifo-ds', '000000', '0000.png'));
  mkdirSync(join(h.root, 'folder.npy'));
  const calls: Array<[string, AsyncIterable<unknown>]> = [];
  for (let i = 0; i < 5; i++) {
    calls.push([`gallery FIFO ${i}`, c.pack({ identities: 4, gallery: { npyPath: 'fifo.npy' } })]);
    calls.push([`embeddings FIFO ${i}`, c.generate({ embeddingsPath: 'fifo.npy', imagesPerIdentity: 1 })]);
  }
  calls.push(['.bin FIFO', c.evaluateVerification({ binPath: 'fifo.bin' })]);
  calls.push(['image FIFO', c.evaluateDataset({ datasetPath: 'fifo-ds' })]);
  calls.push(['verification .npy FIFO', c.evaluateVerification({ npy: { embeddingsPath: 'fifo.npy', issamePath: 'fifo.npy' } })]);
  calls.push(['folder as gallery .npy', c.pack({ identities: 4, gallery: { npyPath: 'folder.npy' } })]);
  calls.push(['folder as embeddings .npy', c.generate({ embeddingsPath: 'folder.npy', imagesPerIdentity: 1 })]);
  const codes = await Promise.all(calls.map(async ([name, call]) => [name, await codeOf(call)] as const));
  for (const [name, code] of codes) assert.equal(code, 'INVALID_ARGUMENT', name);
  // Every file read still works: a pack completes, a detached one can be cancelled.
  let result: unknown;
  for await (const ev of c.pack({ identities: 6, dim: 3, gallery: { none: true }, iterations: 50 })) if (ev.result) result = ev.result;
  assert.ok(result, 'a pack after the FIFO calls completes');
  let jobId = '';
  for await (const ev of c.pack({ identities: 2000, dim: 64, gallery: { none: true }, iterations: 1_000_000, detach: true })) {
    if (ev.accepted) jobId = ev.accepted.jobId;
    break;
  }
  assert.ok(jobId);
  const cancelled = await c.cancelJob(jobId);
  assert.ok(['JOB_STATE_CANCELLED', 'JOB_STATE_RUNNING', 'JOB_STATE_QUEUED'].includes(cancelled.state), cancelled.state);
  assert.equal(await c.health(), 'SERVING');
});

test('a corrupt RecordIO is INVALID_ARGUMENT and leaks no file descriptors; error messages do not echo unbounded input', async () => {
  corruptRecordIO(join(h.root, 'corrupt'));
  const fdsOf = (): number => openFds(d.child.pid);
  const c = d.client;
  // Models load after the port opens and open descriptors of their own (sessions, threads): count
  // only once they are loaded, or their start-up reads as a leak.
  await c.waitForReady({ service: 'hyperface.v1.ModelService', timeoutMs: 180_000 });
  assert.equal(await codeOf(c.evaluateDataset({ datasetPath: 'corrupt' })), 'INVALID_ARGUMENT');
  const before = fdsOf();
  for (let i = 0; i < 5; i++) assert.equal(await codeOf(c.evaluateDataset({ datasetPath: 'corrupt' })), 'INVALID_ARGUMENT');
  // No descriptor may stay on a file of the data root. A worker thread that starts in the window
  // brings its own event loop (eventpoll, eventfd, a pipe pair): 4 descriptors, once, not a leak;
  // one leaked descriptor per call would add 5.
  const intoRoot = readdirSync(`/proc/${d.child.pid}/fd`).filter((f) => {
    try {
      return readlinkSync(`/proc/${d.child.pid}/fd/${f}`).startsWith(realpathSync(h.root));
    } catch {
      return false;
    }
  });
  assert.deepEqual(intoRoot, [], 'descriptors left open on files of the data root');
  assert.ok(fdsOf() <= before + 4, `descriptors grew from ${before} to ${fdsOf()}`);
  // A 100 kB name: the status message stays short.
  const long = 'n'.repeat(100_000);
  lfwPairs(join(h.root, 'longname', 'pairs.txt'), [`${long} 1 2`]);
  const message = await messageOf(c.evaluateVerification({ lfw: { pairsPath: 'longname/pairs.txt', imageDir: 'longname' } }));
  assert.ok(message.length > 0 && message.length < 2000, `message of ${message.length} chars`);
  for (const [name, call] of [
    ['path outside the root', c.pack({ identities: 4, gallery: { npyPath: '../' + 'x'.repeat(100_000) } })],
    ['gallery folder that is a FIFO', c.pack({ identities: 4, gallery: { imageDir: 'fifo.npy' } })],
  ] as const) {
    const m = await messageOf(call);
    assert.ok(m.length > 0 && m.length < 2000, `${name}: message of ${m.length} chars`);
  }
});

