import { background } from '../background.ts';
import type { Message } from '../graphql/documents/fragments.ts';
import {
  afterStored,
  isSend,
  nextToDeliver,
  normalized,
  queueChange,
  withoutEntry,
  type Change,
  type ChangeTarget,
  type OutboxEntry,
  type SendEntry,
} from './outbox-queue.ts';

export type { ChangeEntry, OutboxEntry, SendEntry } from './outbox-queue.ts';

/**
 * What one try gave: the message as stored (for a change: null when the stream brought a newer
 * state while the answer was on its way), a reason to try again later, or a refusal.
 */
export type SendResult = { stored: Message | null } | { retry: string } | { refused: string };

/** Where the outbox lives between page loads; every tab of one person shares it. */
export interface OutboxStore {
  load(): OutboxEntry[];
  save(entries: OutboxEntry[]): void;
  /** Calls back when another tab changed it; returns a function that stops. */
  watch(onChange: () => void): () => void;
}

/** Unsent messages and changes are kept per person in localStorage (read again before every change: other tabs write too). */
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
        return Array.isArray(parsed) ? (parsed as OutboxEntry[]).map(normalized) : [];
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

/** A bound on queued operations, so a long time offline cannot fill the storage. */
export const OUTBOX_LIMIT = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Our messages and our changes to messages (edits, deletions, reactions) on their way, kept across
 * reloads. One operation goes at a time, oldest first, so each conversation gets them in the order
 * they were made. A try that did not reach the server (offline, server away, rate limited) is
 * repeated with the same clientId after a growing pause, or at once when `kick()` says the
 * connection is back; the server stores a clientId once, so a send whose answer was lost is not
 * stored twice, and changes are idempotent. A refusal (too long, not a member, too old to edit)
 * waits for Retry or Delete.
 */
export class Outbox {
  #entries = $state<OutboxEntry[]>([]);
  #running = false;
  #stopped = false;
  #failures = 0;
  /** The entry being tried now: a send on its way can no longer be edited in place. */
  #inFlight: string | null = null;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: () => void;

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: (entry: OutboxEntry) => Promise<SendResult>,
    /** A send stored, or the answer to a change (`entry` says which): the message as it now is. */
    private readonly onStored: (message: Message, entry: OutboxEntry) => void,
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

  /** The next to go did not get through and waits to be tried again: everything behind it waits too. */
  get held(): boolean {
    return nextToDeliver(this.#entries)?.error !== undefined;
  }

  /** Queues a message; false when too many are waiting already. */
  add(entry: Pick<SendEntry, 'conversationId' | 'to' | 'body' | 'replyTo' | 'attachments'>): boolean {
    return this.#queue((entries, made) => [...entries, { ...entry, ...made, op: 'send', state: 'waiting' }]);
  }

  /** Queues a change to a message, in order with everything else; false when too many are waiting already. */
  change(target: ChangeTarget, change: Change): boolean {
    return this.#queue((entries, made) => queueChange(entries, target, change, this.#inFlight, made));
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

  /** Drops an entry (Delete, or it went through), with the changes that waited on it. */
  remove(clientId: string) {
    this.#change((entries) => withoutEntry(entries, clientId));
  }

  /** Sends now: something new to send, or the connection may be back. */
  kick() {
    clearTimeout(this.#timer);
    this.#wake?.();
    background(this.#run(), 'Sending queued messages');
  }

  stop() {
    this.#stopped = true;
    this.#unwatch();
    clearTimeout(this.#timer);
    this.#wake?.();
  }

  #queue(
    update: (entries: OutboxEntry[], made: { clientId: string; createdAt: string }) => OutboxEntry[],
  ): boolean {
    let taken = false;
    this.#change((entries) => {
      if (entries.length >= OUTBOX_LIMIT) return entries;
      taken = true;
      return update(entries, { clientId: crypto.randomUUID(), createdAt: new Date().toISOString() });
    });
    if (taken) this.kick();
    return taken;
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
        const next = nextToDeliver(this.store.load());
        if (!next || this.#stopped) return;
        this.#inFlight = next.clientId;
        const result = await this.deliver(next);
        this.#inFlight = null;
        if ('stored' in result) {
          this.#failures = 0;
          const { stored } = result;
          if (isSend(next) && stored) this.#change((entries) => afterStored(entries, next, stored));
          else this.remove(next.clientId);
          if (stored) this.onStored(stored, next);
        } else if ('refused' in result) {
          this.#mark(next.clientId, { state: 'failed', error: result.refused });
        } else {
          this.#mark(next.clientId, { error: result.retry });
          await this.#pause(Math.min(1_000 * 2 ** this.#failures++, MAX_BACKOFF_MS));
        }
      }
    } finally {
      this.#running = false;
      this.#inFlight = null;
    }
  }

  #mark(clientId: string, change: Partial<OutboxEntry>) {
    this.#change((entries) =>
      entries.map((entry) =>
        entry.clientId === clientId ? ({ ...entry, ...change } as OutboxEntry) : entry,
      ),
    );
  }

  #pause(ms: number) {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms * (0.5 + Math.random() / 2));
    });
  }
}
