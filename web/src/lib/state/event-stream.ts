import type { ChatEvent } from '../graphql/documents/events.ts';

/**
 * Starts `events(after)` and hands each event over, or says the cursor expired (the server
 * answered CURSOR_EXPIRED: too old, or not one it gave out); returns a function that ends it.
 */
export type SubscribeEvents = (
  after: string | null,
  onEvent: (event: ChatEvent) => void,
  onExpired: () => void,
) => () => void;

/**
 * The client's one `events` subscription. It remembers the cursor of the last
 * MessageEvent or MessageUpdatedEvent it received (only the stream's own cursors: a send's answer may be
 * newer than a message of another conversation still on its way), and when the
 * socket comes back it resubscribes after that cursor, so the server replays what
 * was missed. Read, membership and conversation events are live only: `onResumed`
 * tells the owner to refresh them. A cursor the server will not resume from (older
 * than its resume window) is dropped: the stream starts from now, and the owner
 * refreshes everything, as on a first start.
 */
export class EventStream {
  #cursor: string | null = null;
  #stop: (() => void) | null = null;
  #started = false;

  constructor(
    private readonly subscribe: SubscribeEvents,
    private readonly onEvent: (event: ChatEvent) => void,
    private readonly onResumed: () => void,
  ) {}

  /** Where a resumed subscription picks up. */
  get cursor() {
    return this.#cursor;
  }

  start() {
    this.#started = true;
    this.#open();
  }

  /** The socket went away: drop the subscription; `resume()` starts it again from the cursor. */
  pause() {
    this.#stop?.();
    this.#stop = null;
  }

  /** The socket is back. Does nothing while the subscription is still up (the first connection). */
  resume() {
    if (!this.#started || this.#stop) return;
    this.#open();
    this.onResumed();
  }

  stop() {
    this.#started = false;
    this.pause();
  }

  #open() {
    this.#stop = this.subscribe(
      this.#cursor,
      (event) => {
        if (event.__typename === 'MessageEvent' || event.__typename === 'MessageUpdatedEvent')
          this.#cursor = event.cursor;
        this.onEvent(event);
      },
      () => this.#startOver(),
    );
  }

  #startOver() {
    this.pause();
    this.#cursor = null;
    if (!this.#started) return;
    this.#open();
    this.onResumed();
  }
}
