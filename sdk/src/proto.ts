// The hyperface.v1 package definition for grpc-js, built from the descriptors generated at build
// time (npm run gen:types), so nothing reads a .proto file at run time. Server and SDK share it;
// the generated types in ./gen match these options.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromJSON, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { HYPERFACE_V1 } from './gen/descriptors.js';

export const PROTO_FILES = [
  'hyperface/v1/common.proto',
  'hyperface/v1/packing.proto',
  'hyperface/v1/generation.proto',
  'hyperface/v1/recognition.proto',
  'hyperface/v1/evaluation.proto',
  'hyperface/v1/models.proto',
  'hyperface/v1/jobs.proto',
];

export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The six public services, fully qualified. */
export const SERVICE_NAMES = [
  'hyperface.v1.PackingService',
  'hyperface.v1.GenerationService',
  'hyperface.v1.RecognitionService',
  'hyperface.v1.EvaluationService',
  'hyperface.v1.ModelService',
  'hyperface.v1.JobService',
] as const;

/**
 * The folder holding hyperface/v1/*.proto, for other languages' code generators: shipped in the
 * package's proto/ (copied there when it is packed), or the repository's proto/.
 */
export function protoRoot(): string {
  for (const rel of ['../proto', '../../proto']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/hyperface/v1/common.proto`)) return dir;
  }
  throw new Error('hyperface.v1 .proto files not found next to the SDK');
}

let cached: PackageDefinition | undefined;

export function loadPackageDefinition(): PackageDefinition {
  cached ??= fromJSON(HYPERFACE_V1, LOADER_OPTIONS);
  return cached;
}
