// Load-time model conversion: tfjs graph models and face-api's ResNet-34 weights become ONNX graphs,
// so the onnx backend (CPU or WebGPU EP) can serve them. Nothing converted is written to disk.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FailedPreconditionError } from '../../shared/errors.js';
import { convertFaceApiRecognition } from './face-api-resnet.js';
import { convertTfjsGraphModel } from './tfjs-graph.js';
import type { GraphTarget } from './builder.js';

export { convertFaceApiRecognition } from './face-api-resnet.js';
export { convertTfjsGraphModel } from './tfjs-graph.js';
export { WEBGPU_OPS } from './builder.js';
export type { GraphTarget } from './builder.js';
export type { ConvertedModel, ConvertOptions } from './tfjs-graph.js';

/** What kind of model file this is, by name: an .onnx file, a tfjs graph model, or a face-api manifest. */
export function modelFileFormat(file: string): 'onnx' | 'tfjs-graph' | 'face-api' {
  const name = basename(file);
  if (/weights_manifest\.json$/i.test(name)) return 'face-api';
  if (/\.json$/i.test(name)) return 'tfjs-graph';
  return 'onnx';
}

/**
 * The ONNX bytes for `file`: read as is, or converted from a tfjs graph model / face-api manifest
 * with the input in `layout` (square `size` for face-api) and only `outputs` kept when given,
 * written for the `target` execution provider.
 */
export async function onnxModelBytes(file: string, opts: { layout: 'NHWC' | 'NCHW'; size: number; outputs?: string[]; target?: GraphTarget }): Promise<Uint8Array> {
  const format = modelFileFormat(file);
  const target = opts.target ?? 'cpu';
  if (format === 'face-api') return (await convertFaceApiRecognition(file, { inputLayout: opts.layout, size: opts.size, target })).bytes;
  if (format === 'tfjs-graph') return (await convertTfjsGraphModel(file, { inputLayout: opts.layout, target, ...(opts.outputs ? { outputs: opts.outputs } : {}) })).bytes;
  try {
    return await readFile(file);
  } catch (error) {
    throw new FailedPreconditionError(`model file ${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
}
