import type { Client } from '@urql/core';
import type { User } from '../graphql/documents/fragments.ts';
import { SetTypingMutation } from '../graphql/documents/messages.ts';

/** A "typing" with no news for this long goes (the server lapses it at 6 s; this is the safety net). */
export const TYPING_LAPSE_MS = 7_000;
/** While someone keeps typing, the composer tells the server again at most this often. */
export const TYPING_EVERY_MS = 3_000;

interface Typist {
  conversationId: string;
  user: User;
}

/** Who is typing where, from the stream's TypingEvents. */
export class TypingBook {
  #typists = $state<Typist[]>([]);
  #lapses = new Map<string, ReturnType<typeof setTimeout>>();

  /** Names of those typing in a conversation, in the order they started. */
  names(conversationId: string): string[] {
    return this.#typists
      .filter((typist) => typist.conversationId === conversationId)
      .map((typist) => typist.user.displayName);
  }

  /** A TypingEvent: a start shows them (for another TYPING_LAPSE_MS at most), a stop hides them. */
  onEvent(conversationId: string, user: User, typing: boolean) {
    const key = `${conversationId}:${user.id}`;
    clearTimeout(this.#lapses.get(key));
    this.#lapses.delete(key);
    const known = this.#typists.some(
      (typist) => typist.conversationId === conversationId && typist.user.id === user.id,
    );
    if (typing) {
      this.#lapses.set(
        key,
        setTimeout(() => this.onEvent(conversationId, user, false), TYPING_LAPSE_MS),
      );
      if (!known) this.#typists = [...this.#typists, { conversationId, user }];
    } else if (known) {
      this.#typists = this.#typists.filter(
        (typist) => typist.conversationId !== conversationId || typist.user.id !== user.id,
      );
    }
  }

  stop() {
    this.#lapses.forEach((lapse) => clearTimeout(lapse));
    this.#lapses.clear();
    this.#typists = [];
  }
}

/** "alice is typing…", "alice and bob are typing…", "alice, bob and 2 others are typing…"; null for nobody. */
export function typingLine(names: string[]): string | null {
  const [first, second, third] = names;
  if (first === undefined) return null;
  if (second === undefined) return `${first} is typing…`;
  if (names.length === 2) return `${first} and ${second} are typing…`;
  if (names.length === 3) return `${first}, ${second} and ${third} are typing…`;
  return `${first}, ${second} and ${names.length - 2} others are typing…`;
}

/** Tells the others in a conversation whether I am typing; a lost one lapses on its own, so a failure is not retried. */
export async function tellTyping(urql: Client, conversationId: string, typing: boolean) {
  await urql.mutation(SetTypingMutation, { conversationId, typing }).toPromise();
}

/**
 * The composer's side: `true` on input at most once per TYPING_EVERY_MS while the draft has
 * text, `false` once when it is emptied or sent (or the conversation closes).
 */
export class TypingSender {
  #since: number | null = null;

  constructor(
    private readonly tell: (typing: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  input(draft: string) {
    if (!draft.trim()) return this.stop();
    const now = this.now();
    if (this.#since !== null && now - this.#since < TYPING_EVERY_MS) return;
    this.#since = now;
    this.tell(true);
  }

  stop() {
    if (this.#since === null) return;
    this.#since = null;
    this.tell(false);
  }
}
