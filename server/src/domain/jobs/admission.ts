// Admission to the job runner: at most `maxJobs` jobs hold a slot at once, and the memory they are
// estimated to need (see memory.ts) stays within the budget. A new request takes its slot and its
// bytes synchronously (no await between the check and the take, so simultaneous requests cannot
// all pass the check) or is refused with RESOURCE_EXHAUSTED; jobs resumed after a restart wait in
// a FIFO queue instead (they were accepted earlier and cannot be refused now) and go before new
// requests.
import { ResourceExhaustedError } from '../../shared/errors.js';
import { formatBytes, type MemoryEstimate } from './memory.js';
import { once } from '../../util/once.js';

export interface Ticket {
  release(): void;
}

interface Waiter {
  bytes: number;
  grant(ticket: Ticket): void;
}

export interface AdmissionOptions {
  maxJobs: number;
  /** Memory budget shared by the running jobs' estimates. */
  budgetBytes: number;
  /** How the budget is described in refusals, e.g. "limits.memoryBudgetBytes = 4.0 GiB". */
  budgetLabel: string;
}

export class Admission {
  private held = 0;
  private bytes = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: AdmissionOptions) {}

  /** A slot (and `estimate.bytes`) for a new request now, or RESOURCE_EXHAUSTED. */
  take(estimate?: MemoryEstimate): Ticket {
    const { maxJobs, budgetBytes, budgetLabel } = this.options;
    const bytes = estimate?.bytes ?? 0;
    if (estimate && bytes > budgetBytes) {
      throw new ResourceExhaustedError(`this job needs about ${formatBytes(bytes)} of memory (estimate for ${estimate.what}), more than ${budgetLabel}; ask for less`, 0);
    }
    if (this.held >= maxJobs || this.queue.length > 0) {
      const waiting = this.queue.length > 0 ? ` and ${this.queue.length} resumed jobs are waiting` : '';
      throw new ResourceExhaustedError(`${this.held} jobs are running${waiting} (limits.maxConcurrentJobs = ${maxJobs}); retry later`, 2000);
    }
    if (this.bytes + bytes > budgetBytes) {
      throw new ResourceExhaustedError(`this job needs about ${formatBytes(bytes)} of memory (estimate for ${estimate?.what ?? 'it'}); ${formatBytes(this.bytes)} of ${budgetLabel} is in use by running jobs; retry later`, 5000);
    }
    return this.grant(bytes);
  }

  /** A slot if one is free and nobody waits, else undefined. */
  tryTake(bytes = 0): Ticket | undefined {
    return this.queue.length === 0 && this.fits(bytes) ? this.grant(bytes) : undefined;
  }

  /**
   * A slot when one frees up (FIFO, ahead of new requests). `withdraw` leaves the queue (e.g. the
   * job was cancelled while waiting); the promise then never resolves. An estimate above the whole
   * budget (the budget was lowered since) waits until nothing else runs.
   */
  wait(bytes = 0): { ticket: Promise<Ticket>; withdraw(): void } {
    let waiter!: Waiter;
    const ticket = new Promise<Ticket>((resolve) => (waiter = { bytes: Math.min(bytes, this.options.budgetBytes), grant: resolve }));
    this.queue.push(waiter);
    this.pump();
    return {
      ticket,
      withdraw: () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
      },
    };
  }

  get running(): number {
    return this.held;
  }

  get waiting(): number {
    return this.queue.length;
  }

  private fits(bytes: number): boolean {
    return this.held < this.options.maxJobs && this.bytes + Math.min(bytes, this.options.budgetBytes) <= this.options.budgetBytes;
  }

  private grant(bytes: number): Ticket {
    this.held += 1;
    this.bytes += bytes;
    return {
      release: once(() => {
        this.held -= 1;
        this.bytes -= bytes;
        this.pump();
      }),
    };
  }

  private pump(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.bytes)) {
      const next = this.queue.shift()!;
      next.grant(this.grant(next.bytes));
    }
  }
}
