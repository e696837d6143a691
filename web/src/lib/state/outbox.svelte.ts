import type { Message } from '../graphql/documents.ts';

/** One of our messages not stored yet. `to` names the person of a direct chat that has no id yet. */
export interface OutboxEntry {
  clientId: string;
  conversationId: string | null;
  to: string | null;
  body: string;
  createdAt: string;
  /** 'waiting': sent (again) by the outbox on its own; 'failed': refused, waits for Retry or Delete. */
  state: 'waiting' | 'failed';
  /** Why the last try did not store it, in words. */
  error?: string;
}

/** What one try gave: the stored message, a reason to try again later, or a refusal. */
export type SendResult = { stored: Message } | { retry: string } | { refused: string };

/** Where the outbox lives between page loads; every tab of one person shares it. */
export interface OutboxStore {
  load(): OutboxEntry[];
  save(entries: OutboxEntry[]): void;
  /** Calls back when another tab changed it; returns a function that stops. */
  watch(onChange: () => void): () => void;
}

/** Unsent messages are kept per person in localStorage (read again before every change: other tabs write too). */
export function localOutboxStore(
  userId: string,
  storage: Storage = localStorage,
  browser: Window = window,
): OutboxStore {
  const key = `chat.outbox.v1.${userId}`;
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? (parsed as OutboxEntry[]) : [];
      } catch {
        return [];
      }
    },
    save(entries) {
      if (entries.length === 0) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(entries));
    },
    watch(onChange) {
      const listener = (event: StorageEvent) => {
        if (event.key === key) onChange();
      };
      browser.addEventListener('storage', listener);
      return () => browser.removeEventListener('storage', listener);
    },
  };
}

/** A bound on unsent messages, so a long time offline cannot fill the storage. */
export const OUTBOX_LIMIT = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Our messages on their way, kept across reloads. One message is sent at a time, oldest first,
 * so each conversation stores them in typing order. A try that did not reach the server (offline,
 * server away, rate limited) is repeated with the same clientId after a growing pause, or at once
 * when `kick()` says the connection is back; the server stores a clientId once, so a try whose
 * answer was lost is not stored twice. A refusal (too long, not a member) waits for Retry or Delete.
 */
export class Outbox {
  #entries = $state<OutboxEntry[]>([]);
  #running = false;
  #stopped = false;
  #failures = 0;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: () => void;

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: (entry: OutboxEntry) => Promise<SendResult>,
    private readonly onStored: (message: Message) => void,
  ) {
    this.#entries = store.load();
    this.#unwatch = store.watch(() => {
      this.#entries = store.load();
      this.kick();
    });
  }

  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** Queues a message; false when too many are waiting already. */
  add(entry: Pick<OutboxEntry, 'conversationId' | 'to' | 'body'>): boolean {
    let added = false;
    this.#change((entries) => {
      if (entries.length >= OUTBOX_LIMIT) return entries;
      added = true;
      const clientId = crypto.randomUUID();
      return [...entries, { ...entry, clientId, createdAt: new Date().toISOString(), state: 'waiting' }];
    });
    this.kick();
    return added;
  }

  retry(clientId: string) {
    this.#change((entries) =>
      entries.map((entry) =>
        entry.clientId === clientId ? { ...entry, state: 'waiting', error: undefined } : entry,
      ),
    );
    this.#failures = 0;
    this.kick();
  }

  /** Drops a message (Delete, or it was stored: seen in the stream or in a send's answer). */
  remove(clientId: string) {
    this.#change((entries) => entries.filter((entry) => entry.clientId !== clientId));
  }

  /** Sends now: something new to send, or the connection may be back. */
  kick() {
    clearTimeout(this.#timer);
    this.#wake?.();
    void this.#run();
  }

  stop() {
    this.#stopped = true;
    this.#unwatch();
    clearTimeout(this.#timer);
    this.#wake?.();
  }

  #change(update: (entries: OutboxEntry[]) => OutboxEntry[]) {
    const entries = update(this.store.load());
    this.store.save(entries);
    this.#entries = entries;
  }

  async #run() {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      for (;;) {
        const next = this.store.load().find((entry) => entry.state === 'waiting');
        if (!next || this.#stopped) return;
        const result = await this.deliver(next);
        if ('stored' in result) {
          this.#failures = 0;
          const { id } = result.stored.conversation;
          // The first message to a person names the conversation the later ones go to.
          this.#change((entries) =>
            entries
              .filter((entry) => entry.clientId !== next.clientId)
              .map((entry) =>
                entry.conversationId === null && entry.to === next.to
                  ? { ...entry, conversationId: id }
                  : entry,
              ),
          );
          this.onStored(result.stored);
        } else if ('refused' in result) {
          this.#mark(next.clientId, { state: 'failed', error: result.refused });
        } else {
          this.#mark(next.clientId, { error: result.retry });
          await this.#pause(Math.min(1_000 * 2 ** this.#failures++, MAX_BACKOFF_MS));
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #mark(clientId: string, change: Partial<OutboxEntry>) {
    this.#change((entries) =>
      entries.map((entry) => (entry.clientId === clientId ? { ...entry, ...change } : entry)),
    );
  }

  #pause(ms: number) {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms * (0.5 + Math.random() / 2));
    });
  }
}
