#!/usr/bin/env node
// Merges the shard folders of one sharded `hyperface generate` run (deploy/k8s/generate-job) into
// one dataset manifest, with no duplicates, and checks that the run is complete.
//
//   node merge-shards.mjs --out DIR (--shards-dir RUN_DIR | SHARD_DIR...)
//        --images-per-identity K [--identity-offset O] [--identity-count N]
//        [--link] [--wait-seconds S] [--poll-seconds P]
//
// Reads SHARD/manifest.jsonl of every shard (with --shards-dir: every RUN_DIR/shard-* folder);
// a torn last line (a shard still being written) is ignored. Rows are keyed by (identity, sample):
// the same key in two shards with the same seed and file is a harmless duplicate (kept once); with
// different seeds it is a conflict (two different runs were mixed) and the merge fails.
// Complete = every identity in [O, O+N) has samples 0..K-1 (N defaults to max identity + 1 - O),
// and no row lies outside that range. While incomplete, --wait-seconds polls until it is.
// Writes DIR/manifest.jsonl sorted by (identity, sample), atomically. Each row's `file` is
// rewritten relative to DIR and the row gets `shard` (the shard folder relative to DIR); with
// --link the image files are hard-linked (copied across filesystems) into DIR under their
// dataset-relative names instead, so DIR is a self-contained imagefolder dataset.
// Prints one JSON summary line. Exit 0 = merged and complete, 1 = incomplete or conflicting,
// 2 = bad usage. Needs only Node (no hyperface install), so it runs anywhere the volume is mounted.

import { copyFile, link, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MANIFEST = 'manifest.jsonl';

function usage(message) {
  process.stderr.write(`merge-shards: ${message}\n`);
  process.exit(2);
}

function intArg(value, name, min) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) usage(`--${name} must be an integer >= ${min}`);
  return Number(value);
}

/** Complete, well-formed manifest lines; a torn or corrupt tail is dropped. */
export function parseManifestText(text) {
  const rows = [];
  const lines = text.split('\n');
  // The last element is '' for a complete file, or a torn line being appended.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let row;
    try {
      row = JSON.parse(line);
    } catch {
      break;
    }
    if (!row || !Number.isInteger(row.identity) || !Number.isInteger(row.sample) || typeof row.file !== 'string') break;
    rows.push(row);
  }
  return rows;
}

async function listShards(shardsDir, explicit) {
  const dirs = explicit.map((d) => resolve(d));
  if (shardsDir) {
    let names = [];
    try {
      names = await readdir(shardsDir, { withFileTypes: true });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    for (const e of names) if (e.isDirectory() && e.name.startsWith('shard-')) dirs.push(resolve(shardsDir, e.name));
  }
  return [...new Set(dirs)].sort();
}

/** One pass: reads every shard and returns the merged rows plus what is missing or wrong. */
export async function collect({ shards, offset, count, perIdentity }) {
  const byKey = new Map();
  const conflicts = [];
  let duplicates = 0;
  let rowsRead = 0;
  for (const shard of shards) {
    let text;
    try {
      text = await readFile(join(shard, MANIFEST), 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') continue;
      throw error;
    }
    for (const row of parseManifestText(text)) {
      rowsRead++;
      const key = `${row.identity}:${row.sample}`;
      const prev = byKey.get(key);
      if (!prev) {
        byKey.set(key, { row, shard });
        continue;
      }
      if (String(prev.row.seed) === String(row.seed) && prev.row.file === row.file) duplicates++;
      else conflicts.push({ identity: row.identity, sample: row.sample, shards: [prev.shard, shard], seeds: [prev.row.seed, row.seed] });
    }
  }
  const rows = [...byKey.values()].sort((a, b) => a.row.identity - b.row.identity || a.row.sample - b.row.sample);
  let maxIdentity = -1;
  for (const { row } of rows) maxIdentity = Math.max(maxIdentity, row.identity);
  const n = count ?? Math.max(0, maxIdentity + 1 - offset);
  const outOfRange = rows.filter(({ row }) => row.identity < offset || row.identity >= offset + n || row.sample >= perIdentity).length;
  const missing = [];
  let missingCount = 0;
  for (let identity = offset; identity < offset + n; identity++) {
    for (let sample = 0; sample < perIdentity; sample++) {
      if (byKey.has(`${identity}:${sample}`)) continue;
      missingCount++;
      if (missing.length < 10) missing.push({ identity, sample });
    }
  }
  return { rows, rowsRead, duplicates, conflicts, outOfRange, missing, missingCount, expected: n * perIdentity, identities: n };
}

async function linkOrCopy(from, to) {
  try {
    await link(from, to);
  } catch (error) {
    if (error.code === 'EEXIST') {
      const [a, b] = await Promise.all([stat(from), stat(to)]);
      if (a.ino === b.ino && a.dev === b.dev) return;
      if (a.size === b.size) return; // an earlier merge of the same run
      throw new Error(`${to} exists and differs from ${from}`);
    }
    if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
    await copyFile(from, to);
  }
}

async function writeMerged(out, rows, linkFiles) {
  await mkdir(out, { recursive: true });
  const lines = [];
  for (const { row, shard } of rows) {
    const source = join(shard, row.file);
    const merged = { ...row, shard: relative(out, shard).split(sep).join('/') };
    if (linkFiles && row.offset === undefined) {
      // imagefolder: bring the image into the merged dataset under its dataset-relative name.
      const target = join(out, row.file);
      await mkdir(dirname(target), { recursive: true });
      await linkOrCopy(source, target);
    } else {
      // RecordIO rows (key/offset into the shard's train.rec) and unlinked rows point into the shard.
      merged.file = relative(out, source).split(sep).join('/');
    }
    lines.push(JSON.stringify(merged) + '\n');
  }
  const tmp = join(out, `.${MANIFEST}.${process.pid}.tmp`);
  await writeFile(tmp, lines.join(''));
  await rename(tmp, join(out, MANIFEST));
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'shards-dir': { type: 'string' },
        'images-per-identity': { type: 'string' },
        'identity-offset': { type: 'string' },
        'identity-count': { type: 'string' },
        link: { type: 'boolean', default: false },
        'wait-seconds': { type: 'string' },
        'poll-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write('usage: merge-shards.mjs --out DIR (--shards-dir RUN_DIR | SHARD_DIR...) --images-per-identity K [--identity-offset O] [--identity-count N] [--link] [--wait-seconds S] [--poll-seconds P]\n');
    return 0;
  }
  if (!values.out) usage('--out DIR is required');
  if (!values['shards-dir'] && positionals.length === 0) usage('give --shards-dir RUN_DIR or shard folders');
  const perIdentity = intArg(values['images-per-identity'], 'images-per-identity', 1);
  if (perIdentity === undefined) usage('--images-per-identity K is required');
  const offset = intArg(values['identity-offset'], 'identity-offset', 0) ?? 0;
  const count = intArg(values['identity-count'], 'identity-count', 1);
  const waitMs = (intArg(values['wait-seconds'], 'wait-seconds', 0) ?? 0) * 1000;
  const pollMs = (intArg(values['poll-seconds'], 'poll-seconds', 1) ?? 10) * 1000;
  const out = resolve(values.out);
  const shardsDir = values['shards-dir'] ? resolve(values['shards-dir']) : undefined;

  const deadline = Date.now() + waitMs;
  for (;;) {
    const shards = (await listShards(shardsDir, positionals)).filter((d) => d !== out);
    const r = await collect({ shards, offset, count, perIdentity });
    const summary = {
      out,
      shards: shards.length,
      identities: r.identities,
      expected: r.expected,
      rows: r.rows.length,
      duplicates: r.duplicates,
      conflicts: r.conflicts.length,
      out_of_range: r.outOfRange,
      missing: r.missingCount,
    };
    if (r.conflicts.length > 0 || r.outOfRange > 0) {
      process.stdout.write(JSON.stringify({ ...summary, complete: false, error: r.conflicts.length > 0 ? 'conflicting rows: the shards come from different runs' : 'rows outside the expected identity range', examples: r.conflicts.slice(0, 5) }) + '\n');
      return 1;
    }
    if (r.missingCount === 0 && r.expected > 0) {
      await writeMerged(out, r.rows, values.link);
      process.stdout.write(JSON.stringify({ ...summary, complete: true, manifest: join(out, MANIFEST) }) + '\n');
      return 0;
    }
    if (Date.now() + pollMs > deadline) {
      process.stdout.write(JSON.stringify({ ...summary, complete: false, error: 'incomplete', first_missing: r.missing }) + '\n');
      return 1;
    }
    process.stderr.write(`merge-shards: ${r.rows.length}/${r.expected} samples present, waiting\n`);
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
