import { test } from 'node:test';
import { ownPath } from '../files/safe-files.js';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatasetWriter, type DatasetSample } from './writer.js';
import { openDatasetReader } from './reader.js';
import { readManifest } from './manifest.js';
import { parseLfwPairs, lfwImagePath } from './lfw.js';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError } from '../../shared/errors.js';

const base = mkdtempSync(join(tmpdir(), 'hf-ds-'));
test.after(() => rmSync(base, { recursive: true, force: true }));

function payload(identity: number, sample: number): Uint8Array {
  const n = 50 + ((identity * 31 + sample * 7) % 40); // odd lengths exercise RecordIO padding
  return Uint8Array.from({ length: n }, (_, j) => (identity * 17 + sample * 5 + j) & 0xff);
}
function sample(identity: number, sample: number): DatasetSample {
  return { identity, sample, seed: identity * 1000 + sample, encoded: payload(identity, sample), ext: 'png', cosine: 0.5 + identity / 100 };
}

void test('ImageFolder: layout, manifest, resume skips what is there', async () => {
  const root = join(base, 'if1');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) await w.write(sample(i, k));
  await w.close();
  assert.deepEqual(readFileSync(join(root, '000002/0001.png')), Buffer.from(payload(2, 1)));
  const m = await readManifest(root);
  assert.equal(m.rows.length, 6);
  assert.deepEqual(Object.keys(m.rows[0]!).slice(0, 5).sort(), ['cosine', 'file', 'identity', 'sample', 'seed']);
  assert.equal(m.rows[5]!.file, '000002/0001.png');

  const w2 = await openDatasetWriter(ownPath(root), 'imagefolder');
  assert.equal(w2.count, 6);
  assert.ok(w2.has(1, 1) && !w2.has(3, 0));
  await w2.write(sample(1, 1)); // already there: skipped
  await w2.write(sample(3, 0));
  await w2.close();
  assert.equal((await readManifest(root)).rows.length, 7);

  const r = await openDatasetReader(ownPath(root), { maxIdentities: 2, maxSamplesPerIdentity: 1 });
  assert.equal(r.format, 'imagefolder');
  const items = [];
  for await (const it of r) items.push(it);
  assert.deepEqual(items.map((x) => [x.identity, x.sample]), [[0, 0], [1, 0]]);
  assert.deepEqual(items[1]!.encoded, payload(1, 0));
  await r.close();
  await assert.rejects(openDatasetWriter(ownPath(root), 'recordio'), FailedPreconditionError);
});

void test('ImageFolder without a manifest is scanned', async () => {
  const root = join(base, 'plain');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  await w.write(sample(4, 0));
  await w.write(sample(4, 1));
  await w.close();
  rmSync(join(root, 'manifest.jsonl'));
  writeFileSync(join(root, '000004', '.0002.png.tmp-1-ab'), 'junk');
  const r = await openDatasetReader(ownPath(root));
  assert.equal(r.hasManifest, false);
  assert.deepEqual(r.entries.map((e) => [e.identity, e.sample, e.file]), [[4, 0, '000004/0000.png'], [4, 1, '000004/0001.png']]);
  await r.close();
});

void test('a torn manifest line is dropped on reopen', async () => {
  const root = join(base, 'torn');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  await w.write(sample(0, 0));
  await w.close();
  await appendFile(join(root, 'manifest.jsonl'), '{"identity":0,"sample":1,"se');
  const w2 = await openDatasetWriter(ownPath(root), 'imagefolder');
  assert.equal(w2.count, 1);
  await w2.write(sample(0, 1));
  await w2.close();
  const lines = (await readFile(join(root, 'manifest.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 2);
  for (const l of lines) JSON.parse(l);
});

// An independent reader of insightface RecordIO, following mxnet.recordio / MXFaceDataset.
const PY_RECORDIO = String.raw`
import struct, sys, os, json, hashlib
root = sys.argv[1]
idx = {}
for line in open(os.path.join(root, 'train.idx')):
    k, v = line.strip().split('\t'); idx[int(k)] = int(v)
f = open(os.path.join(root, 'train.rec'), 'rb')
def read_idx(k):
    f.seek(idx[k])
    magic, lrec = struct.unpack('<II', f.read(8))
    assert magic == 0xced7230a, hex(magic)
    cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
    assert cflag == 0
    data = f.read(length)
    pad = (4 - length % 4) % 4
    assert f.read(pad) == b'\0' * pad
    return data
def unpack(s):
    flag, label, id_, id2 = struct.unpack('IfQQ', s[:24])
    s = s[24:]
    if flag > 0:
        label = list(struct.unpack('%df' % flag, s[:4 * flag])); s = s[4 * flag:]
    return flag, label, id_, id2, s
flag, label, _, _, _ = unpack(read_idx(0))
assert flag == 2
img_end, id_end = int(label[0]), int(label[1])
out = {'images': [], 'identities': []}
for k in range(1, img_end):                     # MXFaceDataset: imgidx = range(1, label[0])
    fl, lab, id_, _, img = unpack(read_idx(k))
    if not isinstance(lab, float): lab = lab[0]
    out['images'].append([int(lab), id_, hashlib.md5(img).hexdigest()])
for k in range(img_end, id_end):                # face2rec identity records: [a, b) image keys
    fl, lab, _, _, rest = unpack(read_idx(k))
    assert fl == 2 and rest == b''
    out['identities'].append([int(lab[0]), int(lab[1])])
out['property'] = open(os.path.join(root, 'property')).read().strip()
print(json.dumps(out))
`;

import { createHash } from 'node:crypto';
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

void test('RecordIO: MXNet framing, record 0 and identity records read by an independent Python reader; resume', async () => {
  const root = join(base, 'rec');
  const w = await openDatasetWriter(ownPath(root), 'recordio', { imageSize: 112 });
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) await w.write(sample(i, k));
  await w.close();
  // Reopen (drops record 0 + identity records), add more, close again.
  const w2 = await openDatasetWriter(ownPath(root), 'recordio', { imageSize: 112 });
  assert.equal(w2.count, 9);
  await w2.write(sample(2, 0)); // skipped
  await w2.write(sample(3, 0));
  await w2.write(sample(3, 1));
  await w2.write(sample(1, 3)); // out of order: keys are renumbered on close
  await w2.close();
  const py = JSON.parse(execFileSync('python3', ['-c', PY_RECORDIO, root], { encoding: 'utf8' })) as {
    images: Array<[number, number, string]>;
    identities: Array<[number, number]>;
    property: string;
  };
  const expected: Array<[number, number]> = [];
  for (let i = 0; i < 4; i++) for (let k = 0; k < (i === 1 ? 4 : i === 3 ? 2 : 3); k++) expected.push([i, k]);
  assert.deepEqual(py.images.map((x) => x[0]), expected.map((e) => e[0]));
  assert.deepEqual(py.images.map((x) => x[2]), expected.map(([i, k]) => md5(payload(i, k))));
  assert.deepEqual(py.identities, [[1, 4], [4, 8], [8, 11], [11, 13]]);
  assert.equal(py.property, '4,112,112');

  const r = await openDatasetReader(ownPath(root));
  assert.equal(r.format, 'recordio');
  assert.deepEqual(r.entries.map((e) => [e.identity, e.sample]), expected);
  assert.deepEqual(await r.read(r.entries[5]!), payload(1, 2));
  await r.close();
  // Without the manifest the reader goes through record 0 and the index, like MXFaceDataset.
  rmSync(join(root, 'manifest.jsonl'));
  const r2 = await openDatasetReader(ownPath(root));
  assert.equal(r2.entries.length, 12);
  assert.deepEqual(await r2.read(r2.entries[11]!), payload(3, 1));
  await r2.close();
});

void test('RecordIO: an uncommitted tail in train.rec is truncated on reopen', async () => {
  const root = join(base, 'rec-tail');
  const w = await openDatasetWriter(ownPath(root), 'recordio');
  await w.write(sample(0, 0));
  await w.write(sample(0, 1));
  await w.close();
  const committed = (await readManifest(root)).rows;
  const lastEnd = Math.max(...committed.map((r) => r.offset! + 8 + ((24 + payload(r.identity, r.sample).length + 3) & ~3)));
  await appendFile(join(root, 'train.rec'), Buffer.from([0x0a, 0x23, 0xd7, 0xce, 0xff, 0xff, 0, 0, 1, 2, 3]));
  const w2 = await openDatasetWriter(ownPath(root), 'recordio');
  assert.equal(readFileSync(join(root, 'train.rec')).length, lastEnd);
  await w2.write(sample(0, 2));
  await w2.close();
  const r = await openDatasetReader(ownPath(root));
  assert.equal(r.entries.length, 3);
  assert.deepEqual(await r.read(r.entries[2]!), payload(0, 2));
  await r.close();
});

const CHILD = `
import { openDatasetWriter } from ${JSON.stringify(new URL('./writer.js', import.meta.url).href)};
const [root, format] = process.argv.slice(2);
const w = await openDatasetWriter(root, format);
for (let i = 0; ; i++) {
  const identity = Math.floor(i / 5), sample = i % 5;
  if (w.has(identity, sample)) continue;
  const encoded = new Uint8Array(20000 + (i % 7)).fill(i & 0xff);
  await w.write({ identity, sample, seed: i, encoded, ext: 'jpg', cosine: 0 });
  if (i === 3) process.stdout.write('go\\n');
}
`;

async function killMidway(root: string, format: string): Promise<void> {
  const script = join(base, `child-${format}.mjs`);
  writeFileSync(script, CHILD);
  const child = spawn(process.execPath, [script, root, format], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

for (const format of ['imagefolder', 'recordio'] as const) {
  void test(`${format}: kill -9 mid-run loses nothing committed, counts nothing half-written`, async () => {
    const root = join(base, `kill-${format}`);
    await killMidway(root, format);
    const w = await openDatasetWriter(ownPath(root), format);
    const n = w.count;
    assert.ok(n >= 4, `committed ${n}`);
    await w.close();
    const r = await openDatasetReader(ownPath(root));
    assert.equal(r.entries.length, n);
    let i = 0;
    for await (const it of r) {
      assert.equal(it.identity * 5 + it.sample, i);
      assert.equal(it.encoded.length, 20000 + (i % 7));
      assert.ok(it.encoded.every((b) => b === (i & 0xff)));
      i++;
    }
    await r.close();
    if (format === 'imagefolder') {
      const files = readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.jpg') && !f.includes('.tmp-'));
      assert.ok(files.length >= n && files.length <= n + 1);
    } else assert.ok(existsSync(join(root, 'property')));
  });
}

void test('LFW pairs.txt: View 2 header, View 1 header, headerless; image paths', () => {
  const v2 = parseLfwPairs('2\t1\nAbel_Pacheco\t1\t4\nA_B\t2\tC_D\t10\nX\t1\t2\nY\t3\tZ\t4\n');
  assert.equal(v2.folds, 2);
  assert.equal(v2.pairsPerFold, 1);
  assert.deepEqual(v2.pairs.map((p) => p.issame), [true, false, true, false]);
  assert.equal(lfwImagePath(ownPath('/lfw'), v2.pairs[1]!.b), '/lfw/C_D/C_D_0010.jpg');
  assert.equal(lfwImagePath(ownPath('/lfw'), v2.pairs[0]!.a), '/lfw/Abel_Pacheco/Abel_Pacheco_0001.jpg');
  const v1 = parseLfwPairs('2\nA 1 2\nB 1 C 1\n');
  assert.equal(v1.folds, 1);
  assert.equal(v1.pairs.length, 2);
  assert.equal(parseLfwPairs('A 1 2\r\n').pairs.length, 1);
  assert.throws(() => parseLfwPairs('10\t300\nA 1 2\n'), InvalidArgumentError);
  assert.throws(() => parseLfwPairs('A 1\n'), (e: unknown) => e instanceof InvalidArgumentError && e.violations[0]?.field === 'lfw.pairs_path');
});


void test('a link planted while the writer runs is not written through: identity folder, train.rec', async () => {
  const outside = join(base, 'outside');
  mkdirSync(outside);
  const root = join(base, 'planted');
  const w = await openDatasetWriter(ownPath(root), 'imagefolder');
  await w.write(sample(0, 0));
  symlinkSync(outside, join(root, '000001'));
  await assert.rejects(w.write(sample(1, 0)), PermissionDeniedError);
  await w.close();
  assert.deepEqual(readdirSync(outside), []);

  const victim = join(outside, 'victim');
  writeFileSync(victim, 'keep');
  const rec = join(base, 'planted-rec');
  mkdirSync(rec);
  symlinkSync(victim, join(rec, 'train.rec'));
  await assert.rejects(openDatasetWriter(ownPath(rec), 'recordio'), PermissionDeniedError);
  assert.equal(readFileSync(victim, 'utf8'), 'keep');
});
