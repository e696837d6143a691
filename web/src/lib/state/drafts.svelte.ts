/** What was typed and not sent, per conversation: a conversation's id, or `@name` for a chat with a person not yet written to. */
type Stored = Record<string, { text: string; at: number }>;

/** At most this many drafts are kept (the oldest go first), so the storage cannot fill up. */
export const DRAFT_LIMIT = 100;

/**
 * Unsent text per conversation, per person, kept in localStorage across switching chats and
 * reloads, and shared by the person's tabs (like the outbox). The chat list shows them as "Draft: …".
 */
export class Drafts {
  #drafts = $state<Stored>({});
  readonly #key: string;
  #unwatch: () => void;

  constructor(
    userId: string,
    private readonly storage: Storage = localStorage,
    browser: Window = window,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = `chat.drafts.v1.${userId}`;
    this.#drafts = this.#load();
    const listener = (event: StorageEvent) => {
      if (event.key === this.#key) this.#drafts = this.#load();
    };
    browser.addEventListener('storage', listener);
    this.#unwatch = () => browser.removeEventListener('storage', listener);
  }

  /** The draft of conversation `key`, '' for none. */
  get(key: string): string {
    return this.#drafts[key]?.text ?? '';
  }

  /** Keeps `text` as the draft of `key`; blank text drops it. */
  set(key: string, text: string) {
    if (this.get(key) === text) return;
    const next = { ...this.#drafts };
    if (text.trim()) next[key] = { text, at: this.now() };
    else delete next[key];
    const newestFirst = Object.entries(next).sort(([, a], [, b]) => b.at - a.at);
    this.#drafts = Object.fromEntries(newestFirst.slice(0, DRAFT_LIMIT));
    try {
      if (Object.keys(this.#drafts).length === 0) this.storage.removeItem(this.#key);
      else this.storage.setItem(this.#key, JSON.stringify(this.#drafts));
    } catch {
      // Storage full or refused: the draft lives in this tab only.
    }
  }

  stop() {
    this.#unwatch();
  }

  #load(): Stored {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.#key) ?? '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).filter(
          (entry): entry is [string, { text: string; at: number }] => {
            const value = entry[1] as { text?: unknown; at?: unknown } | null;
            return typeof value?.text === 'string' && typeof value.at === 'number';
          },
        ),
      );
    } catch {
      return {};
    }
  }
}

/** The key of the open conversation's draft. */
export const draftKey = (conversation: { id: string | null; peer: string | null }) =>
  conversation.id ?? `@${conversation.peer ?? ''}`;
