import { test } from 'node:test';
import { ownPath } from '../files/safe-files.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openBin, parseBin, readBin, writeBin } from './insightface-bin.js';
import { pickleBinPayload, unpickle, PickleError } from './pickle.js';
import { InvalidArgumentError, NotFoundError } from '../../shared/errors.js';

// Deterministic pseudo-images of varied sizes (short, 1-byte, 4-byte length opcodes).
function fakeImages(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = i === 5 ? 70000 : [0, 7, 255, 256, 3000][i % 5]!;
    const block = createHash('sha256').update(String(i)).digest();
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = block[j % 32]!;
    out.push(b);
  }
  return out;
}

const PY_WRITE = String.raw`
import pickle, sys, os, struct
import numpy as np
d = sys.argv[1]
import hashlib
def lcg_images(n):
    out = []
    for i in range(n):
        ln = 70000 if i == 5 else [0, 7, 255, 256, 3000][i % 5]
        block = hashlib.sha256(str(i).encode()).digest()
        out.append((block * (ln // 32 + 1))[:ln])
    return out
imgs = lcg_images(2400)   # > 1000 items: APPENDS batches
issame = [(i * 7) % 3 == 0 for i in range(1200)]
for proto in (2, 3, 4, 5):
    with open(os.path.join(d, 'list_p%d.bin' % proto), 'wb') as f:
        pickle.dump((imgs, issame), f, protocol=proto)
with open(os.path.join(d, 'ndarray_p2.bin'), 'wb') as f:
    pickle.dump((imgs, np.array(issame)), f, protocol=2)
with open(os.path.join(d, 'ndarray_p4.bin'), 'wb') as f:
    pickle.dump((imgs, np.array(issame)), f, protocol=4)
with open(os.path.join(d, 'ndarray_p5.bin'), 'wb') as f:
    pickle.dump((imgs, np.array(issame, dtype=np.int64)), f, protocol=5)
with open(os.path.join(d, 'npbool_list_p4.bin'), 'wb') as f:
    pickle.dump((imgs, [np.bool_(x) for x in issame]), f, protocol=4)
# Python 2 style: str payloads as BINSTRING / SHORT_BINSTRING, with BINPUT memo, protocol 2.
def py2(imgs, issame):
    o = bytearray(b'\x80\x02')
    o += b']q\x00('
    for b in imgs:
        o += (b'U' + bytes([len(b)])) if len(b) < 256 else (b'T' + struct.pack('<i', len(b)))
        o += b
    o += b'e]q\x01(' + b''.join(b'\x88' if x else b'\x89' for x in issame) + b'e\x86q\x02.'
    return bytes(o)
blob = py2(imgs, issame)
assert pickle.loads(blob, encoding='bytes') == (imgs, issame)
with open(os.path.join(d, 'py2.bin'), 'wb') as f:
    f.write(blob)
class Evil:
    def __reduce__(self):
        return (os.system, ('true',))
with open(os.path.join(d, 'evil.bin'), 'wb') as f:
    pickle.dump(([Evil()], [True]), f, protocol=2)
`;

const PY_READ = String.raw`
import pickle, sys, hashlib
bins, issame = pickle.load(open(sys.argv[1], 'rb'), encoding='bytes')
h = hashlib.sha256()
for b in bins:
    assert isinstance(b, bytes)
    h.update(len(b).to_bytes(8, 'little')); h.update(b)
print(len(bins), sum(1 for x in issame if x), len(issame), h.hexdigest())
`;


function sha(images: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const b of images) {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    h.update(len);
    h.update(b);
  }
  return h.digest('hex');
}

const dir = mkdtempSync(join(tmpdir(), 'hf-bin-'));
execFileSync('python3', ['-c', PY_WRITE, dir]);
const expectedImages = fakeImages(2400);
const expectedIssame = Array.from({ length: 1200 }, (_, i) => (i * 7) % 3 === 0);

test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of ['list_p2', 'list_p3', 'list_p4', 'list_p5', 'ndarray_p2', 'ndarray_p4', 'ndarray_p5', 'npbool_list_p4', 'py2']) {
  void test(`reads a .bin written by Python pickle: ${name}`, async () => {
    const { images, issame } = await readBin(ownPath(join(dir, `${name}.bin`)));
    assert.equal(images.length, 2400);
    assert.deepEqual(issame, expectedIssame);
    assert.equal(sha(images), sha(expectedImages));
  });
}

void test('openBin streams: images read lazily by index', async () => {
  const bench = await openBin(ownPath(join(dir, 'list_p4.bin')));
  try {
    assert.equal(bench.count, 2400);
    assert.deepEqual(await bench.image(2399), expectedImages[2399]);
    assert.deepEqual(await bench.image(5), expectedImages[5]);
  } finally {
    await bench.close();
  }
});

void test('rejects pickles that call anything but the whitelisted globals', async () => {
  await assert.rejects(readBin(ownPath(join(dir, 'evil.bin'))), (e: unknown) => e instanceof InvalidArgumentError && /posix\.system|os\.system/.test(e.message));
  await assert.rejects(unpickle(Uint8Array.of(0x80, 2, 0x63, ...Buffer.from('os\nsystem\n'), 0x2e)), PickleError);
});

void test('missing file is NotFound, garbage is InvalidArgument(bin_path)', async () => {
  await assert.rejects(readBin(ownPath(join(dir, 'nope.bin'))), NotFoundError);
  writeFileSync(join(dir, 'garbage.bin'), 'hello');
  await assert.rejects(readBin(ownPath(join(dir, 'garbage.bin'))), (e: unknown) => e instanceof InvalidArgumentError && e.violations[0]?.field === 'bin_path');
});

void test('writeBin round trip, and Python reads our file', async () => {
  const path = join(dir, 'ours.bin');
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (const img of expectedImages) yield img;
  }
  await writeBin(path, gen(), expectedIssame);
  const back = await readBin(ownPath(path));
  assert.deepEqual(back.issame, expectedIssame);
  assert.equal(sha(back.images), sha(expectedImages));
  const py = execFileSync('python3', ['-c', PY_READ, path], { encoding: 'utf8' }).trim().split(' ');
  assert.deepEqual(py, ['2400', String(expectedIssame.filter(Boolean).length), '1200', sha(expectedImages)]);
  // In-memory encoder agrees byte for byte with the streaming writer.
  assert.deepEqual(new Uint8Array(readFileSync(path)), pickleBinPayload(expectedImages, expectedIssame));
  const parsed = await parseBin(pickleBinPayload(expectedImages.slice(0, 4), [true, false]));
  assert.deepEqual(parsed.issame, [true, false]);
  await assert.rejects(writeBin(join(dir, 'bad.bin'), expectedImages.slice(0, 3), [true, false]), InvalidArgumentError);
});
