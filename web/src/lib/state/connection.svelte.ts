import type { Client } from 'graphql-ws';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The socket's state as the original showed it: connected, reconnecting, or offline. */
export class Connection {
  #socket = $state<'connecting' | 'open' | 'closed'>('connecting');
  #online = $state(true);
  #everConnected = false;
  #reconnects = $state(0);

  readonly status: ConnectionStatus = $derived(
    !this.#online
      ? 'offline'
      : this.#socket === 'open'
        ? 'connected'
        : this.#everConnected
          ? 'reconnecting'
          : 'connecting',
  );

  /** Grows on every reconnection: streams resume from their last message when it changes. */
  get reconnects() {
    return this.#reconnects;
  }

  /** Follows a graphql-ws client and the browser's network state; returns a function that stops it. */
  watch(ws: Client, browser: Window = window): () => void {
    this.#online = browser.navigator.onLine;
    const onOnline = () => (this.#online = true);
    const onOffline = () => (this.#online = false);
    browser.addEventListener('online', onOnline);
    browser.addEventListener('offline', onOffline);
    const stops = [
      ws.on('connected', () => this.opened()),
      ws.on('closed', () => this.closed()),
      () => browser.removeEventListener('online', onOnline),
      () => browser.removeEventListener('offline', onOffline),
    ];
    return () => stops.forEach((stop) => stop());
  }

  opened() {
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
    this.#socket = 'open';
  }

  closed() {
    this.#socket = 'closed';
  }

  setOnline(online: boolean) {
    this.#online = online;
  }
}
