// The admission queue of interactive requests (Ray Serve's max_ongoing_requests and
// max_queued_requests, Triton's bounded queue): at most `maxRunning` run at once; beyond that up
// to `maxQueued` wait, served FIFO within one caller and round-robin across callers, so one busy
// client cannot hold everyone else behind its backlog. Only a request that finds the queue full is
// refused (RESOURCE_EXHAUSTED with a retry delay); a waiting request leaves the queue as soon as
// its signal aborts (deadline → DEADLINE_EXCEEDED, cancellation → CANCELLED).
import { abortError, ResourceExhaustedError } from '../../shared/errors.js';
import { once } from '../../util/once.js';

export interface QueueTicket {
  /** Gives the slot back (idempotent). */
  release(): void;
}

export interface AdmissionQueueOptions {
  maxRunning: number;
  maxQueued: number;
  /** Called with the seconds each admitted request waited (0 when it ran at once). */
  onAdmit?: (waitSeconds: number) => void;
}

interface Waiter {
  caller: string;
  since: number;
  grant(ticket: QueueTicket): void;
}

/** Bounds of the retry delay a refused request is told. */
const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 5000;

export class AdmissionQueue {
  private held = 0;
  private waiting = 0;
  /** Per caller, its waiters in arrival order; the Map's order is the round-robin rotation. */
  private readonly callers = new Map<string, Waiter[]>();
  /** Moving average of how long a request holds its slot, for the retry delay. */
  private holdMs = 20;

  constructor(private readonly options: AdmissionQueueOptions) {}

  /**
   * A slot for `caller`: at once when one is free and nobody waits, else after the requests ahead
   * (round-robin across callers). Rejects with RESOURCE_EXHAUSTED when the queue is full, or with
   * the signal's error when it aborts while waiting.
   */
  acquire(caller: string, signal?: AbortSignal): Promise<QueueTicket> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.held < this.options.maxRunning && this.waiting === 0) {
      this.options.onAdmit?.(0);
      return Promise.resolve(this.grant());
    }
    if (this.waiting >= this.options.maxQueued) {
      const { maxRunning, maxQueued } = this.options;
      return Promise.reject(new ResourceExhaustedError(`${this.held} requests are running and ${this.waiting} waiting (limits.maxConcurrentRequests = ${maxRunning}, limits.maxQueuedRequests = ${maxQueued}); retry later`, this.retryDelayMs()));
    }
    return new Promise<QueueTicket>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.remove(waiter)) reject(abortError(signal!));
      };
      const waiter: Waiter = {
        caller,
        since: performance.now(),
        grant: (ticket) => {
          signal?.removeEventListener('abort', onAbort);
          this.options.onAdmit?.((performance.now() - waiter.since) / 1000);
          resolve(ticket);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let list = this.callers.get(caller);
      if (!list) this.callers.set(caller, (list = []));
      list.push(waiter);
      this.waiting += 1;
    });
  }

  get running(): number {
    return this.held;
  }

  get queued(): number {
    return this.waiting;
  }

  /** The delay a refused request is told: about the time the queue ahead of it takes to drain. */
  retryDelayMs(): number {
    const rounds = Math.ceil((this.waiting + 1) / this.options.maxRunning);
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, this.holdMs * rounds)));
  }

  private remove(waiter: Waiter): boolean {
    const list = this.callers.get(waiter.caller);
    const i = list ? list.indexOf(waiter) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.callers.delete(waiter.caller);
    this.waiting -= 1;
    return true;
  }

  private grant(): QueueTicket {
    this.held += 1;
    const started = performance.now();
    return {
      release: once(() => {
        this.held -= 1;
        this.holdMs = 0.8 * this.holdMs + 0.2 * (performance.now() - started);
        this.pump();
      }),
    };
  }

  /** Hands free slots to the next callers in rotation: the first caller's oldest waiter, then that caller goes last. */
  private pump(): void {
    while (this.held < this.options.maxRunning && this.waiting > 0) {
      const [caller, list] = this.callers.entries().next().value as [string, Waiter[]];
      const waiter = list.shift()!;
      this.callers.delete(caller);
      if (list.length > 0) this.callers.set(caller, list);
      this.waiting -= 1;
      waiter.grant(this.grant());
    }
  }
}
