import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { encodeNpyFloat32, fromTensor, type EmbedRequest } from '@hyperface/sdk';
import { connect, parseCommand, printJson, say, UsageError } from './common.js';

export const EMBED_USAGE = `hyperface embed [--recognizer NAME] [--largest-face] [--aligned] [--flip] --out FILE.npy IMAGE...
  Writes one row per detected face (one per image with --largest-face or --aligned) and FILE.json
  with the source file and face box of every row.`;

export async function embedCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, EMBED_USAGE, {
    recognizer: { type: 'string' },
    'largest-face': { type: 'boolean', default: false },
    aligned: { type: 'boolean', default: false },
    flip: { type: 'boolean', default: false },
    out: { type: 'string' },
  }, true);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (!values.out) throw new UsageError('--out FILE.npy is required');
  if (positionals.length === 0) throw new UsageError('give at least one IMAGE');
  const files = positionals.map((p) => resolve(p));
  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: 'all', quiet: values.quiet });
  try {
    await conn.client.waitForReady({ service: 'hyperface.v1.RecognitionService', timeoutMs: 600_000 });
    async function* requests(): AsyncGenerator<EmbedRequest> {
      for (const [i, file] of files.entries()) {
        yield { id: String(i), recognizer: values.recognizer ?? '', image: { encoded: await readFile(file) }, aligned: values.aligned, largestFace: values['largest-face'], flip: values.flip };
      }
    }
    const rows: Float32Array[] = [];
    const meta: { row: number; source: string; box: unknown; score: number; model: string; alignment: string }[] = [];
    const errors: { source: string; code: string; message: string }[] = [];
    let dim = 0;
    for await (const res of conn.client.embed(requests())) {
      const source = files[res.index] ?? res.id;
      if (res.error?.code) {
        errors.push({ source, code: res.error.code, message: res.error.message });
        process.stderr.write(`hyperface embed: ${source}: ${res.error.code}: ${res.error.message}\n`);
        continue;
      }
      for (const face of res.faces) {
        const e = fromTensor(face.embedding, 2);
        dim = e.shape[1]!;
        meta.push({ row: rows.length, source, box: face.box, score: face.score, model: res.model, alignment: res.alignment });
        rows.push(e.data);
      }
    }
    const out = resolve(values.out);
    await mkdir(dirname(out), { recursive: true });
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => data.set(r, i * dim));
    await writeFile(out, encodeNpyFloat32(data, rows.length, dim));
    const sidecar = out.replace(/\.npy$/i, '') + '.json';
    await writeFile(sidecar, JSON.stringify({ rows: meta, errors }, null, 2) + '\n');
    say(values.json, values.quiet, `embedded ${rows.length} faces from ${files.length - errors.length}/${files.length} images → ${out}`);
    if (values.json) printJson({ out, sidecar, rows: rows.length, dim, images: files.length, errors: errors.length });
    return errors.length === files.length ? 1 : 0;
  } finally {
    await conn.close();
  }
}
