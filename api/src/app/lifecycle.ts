import type { Logger } from 'pino';

/**
 * Start-up as steps that each leave behind how to undo them. `stop()` undoes
 * them newest first, each failure logged and the rest still undone, so a
 * start that fails half-way leaves nothing running behind it (no pool, no
 * Redis client, no listening port), and a stop never stops half-way.
 */
export class Lifecycle {
  #stops: Array<{ what: string; stop: () => unknown }> = [];

  constructor(private readonly log: Pick<Logger, 'warn'>) {}

  /** Registers how to undo what was just started. */
  onStop(what: string, stop: () => unknown) {
    this.#stops.push({ what, stop });
  }

  async stop(): Promise<void> {
    for (const { what, stop } of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.log.warn({ err: error, step: what }, `error while stopping ${what}`);
      }
    }
  }
}
