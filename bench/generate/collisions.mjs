#!/usr/bin/env node
// How many distinct bank entries (facesjs parts) a pack's targets decode to with the builtin
// generator: identities that share an entry differ only by their refined details.
//   npx tsc -b sdk server && nice node bench/generate/collisions.mjs IDS.npy
import { readFileSync } from 'node:fs';
const root = new URL('../../', import.meta.url).pathname;
const { createBuiltinGenerator } = await import(root + 'server/dist/runtime/backends/builtin-generator/index.js');
const gen = await createBuiltinGenerator({ name: 'builtin' });
const buf = readFileSync(process.argv[2]);
const hl = buf.readUInt16LE(8); const off = 10 + hl;
const f = new Float32Array(buf.buffer.slice(buf.byteOffset + off));
const n = f.length / 1024; const groups = new Map();
for (let i = 0; i < n; i++) {
  const p = gen.paramsFor({ embedding: f.subarray(i * 1024, (i + 1) * 1024) });
  const key = p.categorical.join(',');
  groups.set(key, [...(groups.get(key) ?? []), i]);
}
const sizes = [...groups.values()].map((g) => g.length);
console.log({ n, distinctCategorical: groups.size, inGroups: sizes.filter((s) => s > 1).reduce((a, b) => a + b, 0), maxGroup: Math.max(...sizes) });
