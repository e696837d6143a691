import { background } from '../background.ts';
import type { Transport } from '../graphql/client.ts';
import type { User } from '../graphql/documents/fragments.ts';
import { MeQuery } from '../graphql/documents/people.ts';
import type { Connection } from './connection.svelte.ts';

/** Why the session is over, as the login page explains it. */
export type SessionEnd = 'logged-out' | 'ended';

/** Where the tabs of one browser tell each other that the session is over. */
const TABS_CHANNEL = 'chat-session';
const LOGGED_OUT = 'logged-out';
/** The close code with which the server ends a session (logout elsewhere, expiry, revocation). */
const SESSION_ENDED = 4403;

/**
 * This tab's session: who is signed in, the socket it runs over (and that socket's state), and
 * its end — a logout here or in another tab, the server closing the socket, a send refused as
 * signed out. What runs for the session is registered with `onStop` and stops with it.
 */
export class Session {
  #stops: Array<() => void> = [];
  #tabs: BroadcastChannel | null = null;
  #ended = false;

  constructor(
    readonly transport: Transport,
    /** The socket's state and reconnect schedule (the transport's `retryWait`). */
    readonly connection: Connection,
    /** Where a session that ended anywhere goes (the login page, with the reason). */
    private readonly onEnd: (why: SessionEnd) => void,
  ) {
    // Watch from the start: the socket opens on its own while we are still asking who we are.
    this.#stops.push(this.connection.watch(transport.ws));
  }

  /** Who is signed in; null when nobody is (the caller stops the session and sends the person to log in). */
  async start(): Promise<User | null> {
    const result = await this.transport.urql.query(MeQuery, {}).toPromise();
    const me = result.data?.me;
    if (!me) return null;
    // Every tab hears when one of them logs out.
    const tabs = new BroadcastChannel(TABS_CHANNEL);
    tabs.onmessage = (event) => {
      if (event.data === LOGGED_OUT) this.end('logged-out', false);
    };
    this.#tabs = tabs;
    this.onStop(
      () => tabs.close(),
      this.transport.ws.on('closed', (event) => {
        if ((event as CloseEvent).code === SESSION_ENDED) this.end('ended');
      }),
    );
    return me;
  }

  /** Registers what stops when the session does. */
  onStop(...stops: Array<() => void>) {
    this.#stops.push(...stops);
  }

  /**
   * The session is over: everything stops and the person goes to log in. `tell` passes it on
   * to the other tabs (they may not have noticed: a logout there closes their sockets too, but
   * a tab in the background may be slow to hear it).
   */
  end(why: SessionEnd, tell = true) {
    if (this.#ended) return;
    this.#ended = true;
    if (tell) this.#tabs?.postMessage(LOGGED_OUT);
    this.stop();
    this.onEnd(why);
  }

  /** This tab is logging out (its form posts): the other tabs go to log in; this one is on its way already. */
  loggingOut() {
    this.#ended = true;
    this.#tabs?.postMessage(LOGGED_OUT);
  }

  stop() {
    this.#stops.splice(0).forEach((stop) => stop());
    background(Promise.resolve(this.transport.ws.dispose()), 'Closing the socket');
  }
}
