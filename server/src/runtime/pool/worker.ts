// Piscina worker entry: runs `prepare` and hands the crop buffers back as transferables.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { prepare } from './prepare.js';
import type { PrepareResult, PrepareTask } from './prepare.js';

export default async function run(task: PrepareTask): Promise<unknown> {
  const result: PrepareResult = await prepare(task);
  if (!result.ok) return result;
  const buffers: ArrayBuffer[] = [];
  for (const f of result.faces) {
    // Own the bytes so they can be transferred (not a view into a shared or pooled buffer).
    if (f.crop.byteOffset !== 0 || f.crop.byteLength !== f.crop.buffer.byteLength) f.crop = f.crop.slice();
    buffers.push(f.crop.buffer as ArrayBuffer);
    if (f.flipped) buffers.push(f.flipped.buffer as ArrayBuffer);
  }
  return move({ [transferableSymbol]: buffers, [valueSymbol]: result });
}
