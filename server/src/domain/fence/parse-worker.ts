// Entry of a parse worker (see fenced.ts): runs one task on workerData, posts the result or the
// error's description, and ends. Out-of-memory and stack overflow end it from V8 instead.
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, transferablesOf, type TaskName } from './tasks.js';

const { task, input } = workerData as { task: TaskName; input: never };

function describe(error: unknown): string {
  const e = error as { violations?: Array<{ description: string }>; message?: string };
  return e.violations?.[0]?.description ?? e.message ?? String(error);
}

runTask(task, input).then(
  (ok) => parentPort?.postMessage({ ok }, transferablesOf(ok)),
  (error: unknown) => parentPort?.postMessage({ error: describe(error) }),
);
