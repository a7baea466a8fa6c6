#!/usr/bin/env node
// Identity of the builtin generator, through the CLI a user runs, and its rendering speed.
//   quality: pack --identities N --gallery builtin → generate --images-per-identity K (default
//            variation) → eval dataset --json; prints the EER under the generating recognizer
//            (faceres) and the independent judge (faceapi) against the targets (issue 14).
//   speed:   faces/s and CPU ms per face of the builtin generator in-process (one generator, batches
//            of 16, default variation), interleaved with --peer (another built checkout, e.g. the previous commit)
//            in the same run, so both see the same machine load.
//
//   npx tsc -b sdk server && node bench/generate/identity.mjs [--identities 30] [--k 5] [--seed 1]
//        [--ids FILE.npy (skip packing)] [--faces 400] [--rounds 3] [--peer /path/to/old/checkout] [--skip-quality]
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { lcgRows } from '../lib/lcg.mjs';

const { values: opt } = parseArgs({
  options: {
    identities: { type: 'string', default: '30' },
    k: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    ids: { type: 'string' },
    faces: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    peer: { type: 'string' },
    'skip-quality': { type: 'boolean', default: false },
  },
});
const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const TARGETS = { faceres_eer: 0.06, judge_eer: 0.15 };

async function cli(args, cwd) {
  // cwd: the in-process daemon keeps its data (jobs) under ./hyperface-data
  const { stdout } = await run(process.execPath, [join(root, 'server/bin/hyperface.js'), ...args, '--json'], { maxBuffer: 64 << 20, cwd });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function quality() {
  const dir = mkdtempSync(join(tmpdir(), 'hf-bench-identity-'));
  let ids = opt.ids;
  if (!ids) {
    ids = join(dir, 'ids.npy');
    await cli(['pack', '--identities', opt.identities, '--gallery', 'builtin', '--seed', opt.seed, '--out', ids], dir);
  }
  await cli(['generate', '--embeddings', ids, '--images-per-identity', opt.k, '--out', join(dir, 'dataset')], dir);
  const r = await cli(['eval', 'dataset', join(dir, 'dataset'), '--report', join(dir, 'report')], dir);
  return {
    identities: r.identities,
    samples: r.samples,
    faceres_eer: r.verification_eer,
    judge_eer: r.judge_verification_eer,
    identity_consistency: r.identity_consistency_mean,
    nearest_impostor: r.nearest_impostor_mean,
    targets: TARGETS,
    pass: r.verification_eer <= TARGETS.faceres_eer && r.judge_verification_eer <= TARGETS.judge_eer,
    report: join(dir, 'report/report.html'),
  };
}

/** One timed round of `faces` renders from the checkout at `base`. */
async function speedRound(base, faces) {
  const gen = await (await import(join(base, 'server/dist/runtime/backends/builtin-generator/index.js'))).createBuiltinGenerator({ name: 'builtin' });
  const { sampleSeed, DEFAULT_VARIATION } = await import(join(base, 'server/dist/domain/generation/params.js'));
  const ids = Array.from({ length: Math.ceil(faces / 8) }, (_, i) => {
    const x = lcgRows(1, gen.info.dim, 1234 + i);
    const n = Math.hypot(...x);
    return x.map((v) => v / n);
  });
  await gen.render([{ embedding: ids[0], seed: 1, variation: DEFAULT_VARIATION }]); // warm-up
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let f = 0; f < faces; f += 16) {
    const items = [];
    for (let k = f; k < Math.min(faces, f + 16); k++) items.push({ embedding: ids[Math.floor(k / 8)], seed: sampleSeed(0, Math.floor(k / 8), k % 8, 0), variation: DEFAULT_VARIATION });
    await gen.render(items);
  }
  const cpu = process.cpuUsage(c0);
  // CPU time (all threads of this process, librsvg's included) per face is far less sensitive to
  // the machine's load than wall-clock faces/s.
  return { fps: faces / ((performance.now() - t0) / 1000), cpuMsPerFace: (cpu.user + cpu.system) / 1000 / faces };
}

async function speed() {
  const faces = Number(opt.faces);
  const out = { faces_per_round: faces, this: [], this_cpu_ms_per_face: [], peer: opt.peer ? [] : undefined, peer_cpu_ms_per_face: opt.peer ? [] : undefined };
  for (let r = 0; r < Number(opt.rounds); r++) {
    const a = await speedRound(root, faces);
    out.this.push(+a.fps.toFixed(1));
    out.this_cpu_ms_per_face.push(+a.cpuMsPerFace.toFixed(2));
    if (opt.peer) {
      const b = await speedRound(opt.peer, faces);
      out.peer.push(+b.fps.toFixed(1));
      out.peer_cpu_ms_per_face.push(+b.cpuMsPerFace.toFixed(2));
    }
  }
  const median = (x) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
  out.this_median = median(out.this);
  out.this_cpu_median = median(out.this_cpu_ms_per_face);
  if (out.peer) {
    out.peer_median = median(out.peer);
    out.peer_cpu_median = median(out.peer_cpu_ms_per_face);
    out.ratio_fps = +(out.this_median / out.peer_median).toFixed(3);
    out.ratio_cpu = +(out.this_cpu_median / out.peer_cpu_median).toFixed(3);
  }
  return out;
}

const result = { bench: 'generate/identity', load_before: loadavg().map((l) => +l.toFixed(2)) };
if (!opt['skip-quality']) result.quality = await quality();
result.speed = await speed();
result.load_after = loadavg().map((l) => +l.toFixed(2));
console.log(JSON.stringify(result, null, 2));
