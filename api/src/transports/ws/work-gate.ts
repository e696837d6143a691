/**
 * The queries and mutations of one socket that may run at once; the others
 * wait their turn. An operation's turn ends when its result has been handed
 * to the operating system (graphql-ws awaits the flow-controlled send), so a
 * client that stops reading holds at most `limit` results beside the bytes it
 * left unread, however many operations it queued.
 */
export class WorkGate {
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Resolves with a `leave` once the operation may run; with null if `signal` aborts first (the socket closed). */
  async enter(signal: AbortSignal): Promise<(() => void) | null> {
    while (this.#running >= this.limit) {
      if (signal.aborted) return null;
      await new Promise<void>((turn) => {
        const onAbort = () => turn();
        this.#waiting.push(() => {
          signal.removeEventListener('abort', onAbort);
          turn();
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    if (signal.aborted) return null;
    this.#running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#running--;
      this.#waiting.shift()?.();
    };
  }
}
