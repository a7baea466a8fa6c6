// Admission to the job runner: at most `maxJobs` jobs hold a slot at once. A new request takes its
// slot synchronously (no await between the check and the take, so simultaneous requests cannot all
// pass the check) or is refused with RESOURCE_EXHAUSTED; jobs resumed after a restart wait in a FIFO
// queue instead (they were accepted earlier and cannot be refused now) and go before new requests.
import { ResourceExhaustedError } from '../../errors.js';

export interface Ticket {
  release(): void;
}

interface Waiter {
  grant(ticket: Ticket): void;
}

export class Admission {
  private held = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly maxJobs: number) {}

  /** A slot for a new request now, or RESOURCE_EXHAUSTED. */
  take(): Ticket {
    if (this.held >= this.maxJobs || this.queue.length > 0) {
      const waiting = this.queue.length > 0 ? ` and ${this.queue.length} resumed jobs are waiting` : '';
      throw new ResourceExhaustedError(`${this.held} jobs are running${waiting} (limits.maxConcurrentJobs = ${this.maxJobs}); retry later`, 2000);
    }
    return this.grant();
  }

  /** A slot if one is free and nobody waits, else undefined. */
  tryTake(): Ticket | undefined {
    return this.held < this.maxJobs && this.queue.length === 0 ? this.grant() : undefined;
  }

  /**
   * A slot when one frees up (FIFO, ahead of new requests). `withdraw` leaves the queue (e.g. the
   * job was cancelled while waiting); the promise then never resolves.
   */
  wait(): { ticket: Promise<Ticket>; withdraw(): void } {
    let waiter!: Waiter;
    const ticket = new Promise<Ticket>((resolve) => (waiter = { grant: resolve }));
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

  private grant(): Ticket {
    this.held += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held -= 1;
        this.pump();
      },
    };
  }

  private pump(): void {
    while (this.held < this.maxJobs && this.queue.length > 0) this.queue.shift()!.grant(this.grant());
  }
}
