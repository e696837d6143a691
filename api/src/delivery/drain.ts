/**
 * Work that must finish before the process stops (a send whose sender is
 * still waiting for its answer). On shutdown new work is refused and the
 * work in progress gets until a deadline to end.
 */
export class Drain {
  #draining = false;
  #active = 0;
  #idle = new Set<() => void>();

  get draining() {
    return this.#draining;
  }

  /** Starts a unit of work; returns its end, or null once draining (refuse the work). */
  begin(): (() => void) | null {
    if (this.#draining) return null;
    this.#active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#active--;
      if (this.#active === 0) for (const wake of this.#idle) wake();
    };
  }

  /** Refuses new work; resolves true when the work in progress ended, false at the deadline. */
  drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.#active === 0) return Promise.resolve(true);
    return new Promise((settle) => {
      const finish = (ended: boolean) => {
        clearTimeout(timer);
        this.#idle.delete(wake);
        settle(ended);
      };
      const wake = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#idle.add(wake);
    });
  }
}

/** The highest position a consumer has handled, and waits for it to reach one. */
export class Watermark {
  #value = 0;
  #waiters: Array<{ at: number; reached: () => void }> = [];

  advance(value: number) {
    if (value <= this.#value) return;
    this.#value = value;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.at > value) return true;
      waiter.reached();
      return false;
    });
  }

  /** Resolves once `advance()` passed `at`, or when `release()` gives up on every wait. */
  reached(at: number): Promise<void> {
    if (at <= this.#value) return Promise.resolve();
    return new Promise((reached) => this.#waiters.push({ at, reached }));
  }

  release() {
    for (const waiter of this.#waiters.splice(0)) waiter.reached();
  }
}
