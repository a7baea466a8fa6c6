// Reports are HTML built from request-supplied text (dataset folders, source paths, recognizer
// and benchmark names): every piece of it is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FaceBatch } from '../../runtime/models/types.js';
import { evaluateDataset } from './dataset.js';
import { evaluateVerification } from './verification.js';
import { PathPolicy } from '../files/paths.js';

const EVIL = '<script>alert(1)</script>';
const EVIL_ATTR = '"><img src=x onerror=alert(2)>';
/** A folder name cannot hold `/`, so no closing tag: an element that runs script on its own. */
const EVIL_DIR = '<svg onload=alert(3)>';

/** Mean colour of each crop, plus a constant: enough to tell identities of flat-colour faces apart. */
const embedder = {
  async embedAligned(_recognizer: string | undefined, batch: FaceBatch): Promise<Float32Array> {
    const out = new Float32Array(batch.count * 4);
    const px = batch.size * batch.size;
    for (let n = 0; n < batch.count; n++) {
      for (let i = 0; i < px; i++) for (let c = 0; c < 3; c++) out[n * 4 + c]! += batch.data[(n * px + i) * 3 + c]! / px - 128;
      out[n * 4 + 3] = 10;
    }
    return out;
  },
};

function assertEscaped(html: string, shown: string): void {
  for (const bad of ['<script', '<img src=x', '<svg onload']) assert.ok(!html.includes(bad), `no ${bad} element from request text`);
  assert.ok(html.includes(shown), `the text is shown, escaped (${shown})`);
}

void test('dataset report escapes the dataset folder, recognizer and judge names', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-escape-'));
  const ds = join(root, EVIL_DIR);
  for (let id = 0; id < 3; id++) {
    mkdirSync(join(ds, String(id)), { recursive: true });
    for (let k = 0; k < 2; k++) {
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 80 * id, g: 40 + 10 * k, b: 200 - 60 * id } } }).png().toBuffer();
      writeFileSync(join(ds, String(id), `${k}.png`), png);
    }
  }
  const out = await evaluateDataset({ path: ds, comparePath: ds }, { embedder, paths: new PathPolicy('/'), pickJudge: () => EVIL_ATTR }, { recognizer: EVIL, reportDir: join(root, 'report'), imageSize: 16 });
  assertEscaped(readFileSync(out.reportPath!, 'utf8'), '&lt;svg onload=alert(3)&gt;');
});

void test('verification report escapes the benchmark name and source', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-escape-'));
  const dim = 4;
  const issame = [true, false, true, false];
  const embeddings = new Float32Array(2 * issame.length * dim).map((_, i) => Math.sin(i));
  const out = await evaluateVerification({ kind: 'embeddings', embeddings, dim, issame }, {}, { name: EVIL + EVIL_ATTR, folds: 2, reportDir: join(root, 'report') });
  assertEscaped(readFileSync(out.reportPath!, 'utf8'), '&lt;script&gt;alert(1)&lt;/script&gt;');
});
