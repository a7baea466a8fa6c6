// The watchdog's thread (see watchdog.ts). Runs on its own event loop, so it keeps time while the
// main thread is blocked; ends the whole process with SIGKILL (process.exit here would end only
// this thread), after writing the marker synchronously.
import { renameSync, writeFileSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { beat, stallMs, markerPath } = workerData as { beat: BigInt64Array; stallMs: number; markerPath: string };
let jobs: string[] = [];
let armed = false;
let deadline: { atMs: number; graceMs: number; marginMs: number } | undefined;

function fire(reason: string): void {
  try {
    const tmp = `${markerPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ reason, jobs, atMs: Date.now() }));
    renameSync(tmp, markerPath);
  } catch {
    // The kill matters more than the marker.
  }
  try {
    writeSync(2, JSON.stringify({ level: 'error', msg: 'watchdog: ending the process', reason, jobs, time: new Date().toISOString() }) + '\n');
  } catch {
    // stderr may be gone.
  }
  process.kill(process.pid, 'SIGKILL');
}

parentPort?.on('message', (m: { jobs?: string[]; armed?: boolean; deadlineMs?: number; graceMs?: number; marginMs?: number }) => {
  if (m.jobs) jobs = m.jobs;
  if (m.armed) armed = true;
  if (m.deadlineMs !== undefined) deadline = { atMs: m.deadlineMs, graceMs: m.graceMs ?? 0, marginMs: m.marginMs ?? 0 };
});

setInterval(() => {
  const now = Date.now();
  const stalled = now - Number(Atomics.load(beat, 0));
  if (armed && stalled > stallMs) fire(`the main thread did not run for ${stalled} ms (limits.maxLoopBlockMs = ${stallMs})`);
  else if (deadline && now > deadline.atMs) fire(`shutdown did not finish within shutdown.graceMs (${deadline.graceMs} ms) + ${deadline.marginMs} ms`);
}, 100);
