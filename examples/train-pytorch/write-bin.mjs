#!/usr/bin/env node
// Writes an insightface-style verification .bin with the daemon's own writer
// (server/src/domain/datasets/insightface-bin.ts: pickle of (list of encoded images, list of issame)).
//
//   node examples/train-pytorch/write-bin.mjs PAIRS.json OUT.bin
//
// PAIRS.json: { "images": ["a.png", "b.png", ...], "issame": [true, false, ...] } with 2 images per
// pair (images 2p and 2p+1 form pair p); image paths are relative to the JSON file's folder.
// Needs the built server (npm run build) and is resolved from the repository's node_modules.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeBin } from '@hyperface/server/domain/datasets/insightface-bin';

const [pairsPath, outPath] = process.argv.slice(2);
if (!pairsPath || !outPath) {
  process.stderr.write('usage: node write-bin.mjs PAIRS.json OUT.bin\n');
  process.exit(2);
}
const spec = JSON.parse(await readFile(pairsPath, 'utf8'));
const base = dirname(resolve(pairsPath));
async function* images() {
  for (const file of spec.images) yield new Uint8Array(await readFile(resolve(base, file)));
}
await writeBin(resolve(outPath), images(), spec.issame.map(Boolean));
process.stdout.write(JSON.stringify({ bin: resolve(outPath), pairs: spec.issame.length, images: spec.images.length }) + '\n');
