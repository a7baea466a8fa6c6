// A value that exists only after start-up work finishes (the daemon opens its port before the
// models load, so probes see NOT_SERVING rather than connection refused). Until then, callers get
// UNAVAILABLE with a retry hint.
import { UnavailableError } from '../shared/errors.js';

export class Late<T> {
  private value: T | undefined;

  constructor(private readonly notYet: string) {}

  set(value: T): void {
    this.value = value;
  }

  /** The value, or undefined while it is not there yet. */
  get current(): T | undefined {
    return this.value;
  }

  /** The value, or UNAVAILABLE (a bound function, so it can be handed out as a getter). */
  readonly require = (): T => {
    if (this.value === undefined) throw new UnavailableError(this.notYet);
    return this.value;
  };
}
