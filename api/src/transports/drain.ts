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
