// Worker entry of onnx-session-thread.ts: owns one onnxruntime session and runs the embed loop
// (uint8 crops → model input → raw rows) here, off the main thread. Between chunks it yields, so a
// `cancel` for the running request is seen after at most one model run. Errors go back as data
// (code, message, field violations): classes do not cross the thread boundary.
import { parentPort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { HyperfaceError } from '../../shared/errors.js';
import type { ExecutionProviderName } from '../models/config.js';
import { createOnnxSession, embedChunks, LocalSession, type EmbedPlan } from './onnx-session.js';

export type SessionRequest =
  | { op: 'open'; id: number; bytes: Uint8Array; file: string; providers: ExecutionProviderName[] }
  | { op: 'runOne'; id: number; input: string; data: Float32Array; dims: number[]; output: string }
  | { op: 'embed'; id: number; plan: EmbedPlan; data: Uint8Array; count: number; size: number }
  | { op: 'cancel'; id: number }
  | { op: 'release'; id: number };

export interface OpenedSession {
  provider: ExecutionProviderName;
  inputMetadata: ort.InferenceSession.ValueMetadata[];
  outputMetadata: ort.InferenceSession.ValueMetadata[];
  inputNames: string[];
  outputNames: string[];
}

export type SessionReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: string; message: string; fieldViolations: { field: string; description: string }[] };

const port = parentPort!;
let session: ort.InferenceSession | undefined;
let local: LocalSession | undefined;
const running = new Set<number>();
/** Ids of running requests cancelled by the main thread (a late cancel for a finished one is ignored). */
const cancelled = new Set<number>();

class Cancelled extends Error {}

let queue: Promise<void> = Promise.resolve();

const yieldToMessages = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function handle(req: Exclude<SessionRequest, { op: 'cancel' }>): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'open': {
      const opened = await createOnnxSession(req.bytes, req.file, req.providers);
      session = opened.session;
      local = new LocalSession(session, opened.provider);
      const value: OpenedSession = { provider: opened.provider, inputMetadata: [...session.inputMetadata], outputMetadata: [...session.outputMetadata], inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
      return { value, transfer: [] };
    }
    case 'runOne': {
      const y = await local!.runOne(req.input, req.data, req.dims, req.output);
      return { value: y, transfer: [y.data.buffer as ArrayBuffer] };
    }
    case 'embed': {
      const rows = await embedChunks(session!, req.plan, { data: req.data, count: req.count, size: req.size }, async () => {
        await yieldToMessages();
        if (cancelled.has(req.id)) throw new Cancelled();
      });
      return { value: rows, transfer: [rows.buffer as ArrayBuffer] };
    }
    case 'release':
      await session?.release();
      session = undefined;
      return { value: null, transfer: [] };
  }
}

port.on('message', (req: SessionRequest) => {
  if (req.op === 'cancel') {
    if (running.has(req.id)) cancelled.add(req.id);
    return;
  }
  running.add(req.id);
  // One request at a time, in arrival order: two queued batches must not interleave their images
  // (each would then take twice as long to come back).
  const result = queue.then(() => handle(req));
  queue = result.then(
    () => undefined,
    () => undefined,
  );
  result.then(
    ({ value, transfer }) => port.postMessage({ id: req.id, ok: true, value } satisfies SessionReply, transfer),
    (error: unknown) => {
      const e = error instanceof HyperfaceError ? error : undefined;
      const reply: SessionReply = {
        id: req.id,
        ok: false,
        code: error instanceof Cancelled ? 'CANCELLED' : (e?.code ?? 'INTERNAL'),
        message: error instanceof Error ? error.message : String(error),
        fieldViolations: e?.fieldViolations ?? [],
      };
      port.postMessage(reply);
    },
  ).finally(() => {
    running.delete(req.id);
    cancelled.delete(req.id);
  });
});
