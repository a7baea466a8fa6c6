// Linked AbortSignals that remove their listeners when disposed (AbortSignal.any keeps the
// sources referenced for the lifetime of the parent, which leaks on long-lived shutdown signals).

export interface LinkedSignal {
  signal: AbortSignal;
  /** Aborts the linked signal (reason defaults to a CancelledError-like AbortError). */
  abort(reason?: unknown): void;
  /** Detaches from the parents; call when the work is done. */
  dispose(): void;
}

/** `timeoutReason` makes the reason a timeout aborts with (default: a DOMException "TimeoutError"). */
export function linkSignals(parents: (AbortSignal | undefined)[], timeoutMs?: number, timeoutReason?: () => unknown): LinkedSignal {
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  const abort = (reason?: unknown): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = (): void => abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
    const timer = setTimeout(() => abort(timeoutReason ? timeoutReason() : new DOMException('deadline exceeded', 'TimeoutError')), timeoutMs);
    timer.unref?.();
    cleanups.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    abort,
    dispose: () => {
      for (const c of cleanups.splice(0)) c();
    },
  };
}

/** Resolves after `ms`, rejects with the signal's reason when it aborts first. */
/* eslint-disable @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's own reason */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
/* eslint-enable @typescript-eslint/prefer-promise-reject-errors */
