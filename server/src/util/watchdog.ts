// A watchdog outside the main event loop. A worker thread watches a heartbeat the main thread
// writes into shared memory; it ends the process (SIGKILL, after writing a marker file) when
//   - the main thread has not run for `stallMs` (a blocked loop answers nothing, not even SIGTERM:
//     signal handlers run on that loop), or
//   - a shutdown began and has not finished within graceMs + SHUTDOWN_MARGIN_MS.
// The marker names the jobs that were running, so the next start fails them instead of resuming
// them into the same hang. Also measures event-loop delay for /metrics and health.
import { readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** Time allowed past shutdown.graceMs for the rest of a shutdown (closing the server, models, pools). */
export const SHUTDOWN_MARGIN_MS = 5000;
export const WATCHDOG_MARKER = 'watchdog.json';
const BEAT_MS = 100;

export interface WatchdogMarker {
  reason: string;
  jobs: string[];
  atMs: number;
}

export interface WatchdogOptions {
  /** The main thread may not stall longer than this (ms). */
  stallMs: number;
  /** Where the marker is written before the process is killed. */
  markerPath: string;
  /** The jobs running now (sent to the watchdog every beat batch). */
  runningJobs: () => string[];
}

export class Watchdog {
  private readonly beat = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;
  private lastJobs = '';

  constructor(private readonly options: WatchdogOptions) {
    Atomics.store(this.beat, 0, BigInt(Date.now()));
    this.worker = new Worker(new URL('./watchdog-worker.js', import.meta.url), {
      workerData: { beat: this.beat, stallMs: options.stallMs, markerPath: options.markerPath },
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    this.worker.unref();
    this.timer = setInterval(() => {
      Atomics.store(this.beat, 0, BigInt(Date.now()));
      const jobs = JSON.stringify(options.runningJobs());
      if (jobs !== this.lastJobs) {
        this.lastJobs = jobs;
        this.worker.postMessage({ jobs: JSON.parse(jobs) as string[] });
      }
    }, BEAT_MS);
    this.timer.unref();
  }

  /** Start watching for stalls (after start-up: loading models may hold the main thread for long). */
  arm(): void {
    Atomics.store(this.beat, 0, BigInt(Date.now()));
    this.worker.postMessage({ armed: true });
  }

  /** A shutdown began: the process ends by graceMs + SHUTDOWN_MARGIN_MS whatever the main thread does. */
  shutdownStarted(graceMs: number): void {
    this.worker.postMessage({ deadlineMs: Date.now() + graceMs + SHUTDOWN_MARGIN_MS, graceMs, marginMs: SHUTDOWN_MARGIN_MS });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.worker.terminate();
  }

  /** The marker a previous run left (and removes it), or undefined. */
  static takeMarker(path: string): WatchdogMarker | undefined {
    let marker: WatchdogMarker | undefined;
    try {
      marker = JSON.parse(readFileSync(path, 'utf8')) as WatchdogMarker;
    } catch {
      return undefined;
    }
    rmSync(path, { force: true });
    return marker;
  }
}

/** Event-loop delay of the main thread: the worst delay in the last window, and whether it is over a limit. */
export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private readonly timer: NodeJS.Timeout;
  private lastDrift = 0;
  /** Worst delay (ms) seen in the last window (histogram max, or a timer's own drift after a block). */
  worstMs = 0;
  p99Ms = 0;

  constructor(windowMs = 1000, onWindow?: (worstMs: number) => void) {
    this.histogram.enable();
    let expected = Date.now() + windowMs;
    this.timer = setInterval(() => {
      const now = Date.now();
      this.lastDrift = Math.max(0, now - expected);
      expected = now + windowMs;
      this.worstMs = Math.max(this.histogram.max / 1e6, this.lastDrift);
      this.p99Ms = this.histogram.percentile(99) / 1e6;
      this.histogram.reset();
      onWindow?.(this.worstMs);
    }, windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
