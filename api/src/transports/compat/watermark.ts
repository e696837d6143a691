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
