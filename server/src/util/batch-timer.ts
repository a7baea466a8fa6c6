// The wait of a dynamic batcher (Triton's max_queue_delay): flush at once when a batch is full (or
// no delay is set), else once the oldest request has waited `delayMs`. One timer at a time.
export class BatchTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  /** `full`: enough is queued for a batch; otherwise the flush waits up to `delayMs` for more. */
  schedule(full: boolean, delayMs: number): void {
    if (full || delayMs <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, delayMs);
    }
  }
}
