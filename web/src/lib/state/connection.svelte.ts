import type { Client } from 'graphql-ws';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The wait before the first reconnect attempt; it doubles with each failed attempt up to the cap. */
export const RETRY_FIRST_MS = 1_000;
export const RETRY_CAP_MS = 15_000;

/**
 * The wait before reconnect attempt `retries` (0 for the first after a drop): 1 s doubling to
 * 15 s, drawn from the upper half of that (`random` in [0, 1)) so that the many clients a server
 * restart dropped together do not all come back in the same instant.
 */
export function retryDelay(retries: number, random: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** retries, RETRY_CAP_MS) * (0.5 + random / 2);
}

/** What the reconnect schedule reads the time and chance from; injected in tests. */
export interface Clock {
  now(): number;
  random(): number;
  /** Calls `run` after `ms`; returns a function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * The socket's state (connected, reconnecting, offline) and its reconnect schedule: graphql-ws
 * waits through `retryWait` between attempts, which `retryNow` (the "Retry now" button, the
 * browser coming back online) cuts short.
 */
export class Connection {
  #socket = $state<'connecting' | 'open' | 'closed'>('connecting');
  #online = $state(true);
  #everConnected = false;
  #nextAttemptAt = $state<number | null>(null);
  #wake: (() => void) | null = null;
  /** Set when "Retry now" cut an attempt short: the attempt after it starts without waiting. */
  #skipWait = false;
  #ws: Client | null = null;

  constructor(private readonly clock: Clock = systemClock) {}

  readonly status: ConnectionStatus = $derived(
    !this.#online
      ? 'offline'
      : this.#socket === 'open'
        ? 'connected'
        : this.#everConnected
          ? 'reconnecting'
          : 'connecting',
  );

  /** When the next reconnect attempt starts (the clock's milliseconds); null while none is waiting. */
  get nextAttemptAt(): number | null {
    return this.#nextAttemptAt;
  }

  /** graphql-ws's `retryWait`: the backoff wait before attempt `retries`, unless `retryNow` ends it. */
  readonly retryWait = (retries: number): Promise<void> => {
    if (this.#skipWait) {
      this.#skipWait = false;
      return Promise.resolve();
    }
    const delay = retryDelay(retries, this.clock.random());
    this.#nextAttemptAt = this.clock.now() + delay;
    return new Promise((resolve) => {
      const wake = () => {
        cancel();
        this.#wake = null;
        this.#nextAttemptAt = null;
        resolve();
      };
      const cancel = this.clock.after(delay, wake);
      this.#wake = wake;
    });
  };

  /**
   * Reconnects at once: ends the wait before the next attempt or, when an attempt is under way
   * (a connect that may hang), drops it and starts the next without waiting. Nothing while connected.
   */
  retryNow() {
    if (this.#wake) this.#wake();
    else if (this.#socket !== 'open' && this.#ws) {
      this.#skipWait = true;
      this.#ws.terminate();
    }
  }

  /** Follows a graphql-ws client and the browser's network state; returns a function that stops. */
  watch(ws: Client, browser: Window = window): () => void {
    this.#ws = ws;
    this.#online = browser.navigator.onLine;
    const onOnline = () => {
      this.#online = true;
      this.retryNow();
    };
    const onOffline = () => (this.#online = false);
    browser.addEventListener('online', onOnline);
    browser.addEventListener('offline', onOffline);
    const stops = [
      ws.on('connected', () => {
        this.#everConnected = true;
        this.#skipWait = false;
        this.#socket = 'open';
      }),
      ws.on('closed', () => (this.#socket = 'closed')),
      () => browser.removeEventListener('online', onOnline),
      () => browser.removeEventListener('offline', onOffline),
      () => (this.#ws = null),
    ];
    return () => stops.forEach((stop) => stop());
  }
}
