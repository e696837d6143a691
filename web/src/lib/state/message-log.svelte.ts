import type { Attachment, Message, MessageKind, Quote, Reaction, User } from '../graphql/documents/fragments.ts';

/** Stored; on its way; not through yet (the outbox tries again by itself); refused. */
export type DeliveryState = 'sent' | 'sending' | 'waiting' | 'failed';

/** A message as shown: a stored one, or one of ours still on its way (keyed by clientId). */
export interface ShownMessage {
  key: string;
  id: string | null;
  clientId: string | null;
  body: string;
  createdAt: string;
  kind: MessageKind;
  sender: User;
  state: DeliveryState;
  error?: string;
  editedAt: string | null;
  /** Until when I may edit it, as the server says (null: I may not; a message on its way is edited in the outbox). */
  editableUntil: string | null;
  /**
   * How many had read it when a history page brought it, departed members included (null: it
   * came live, is not stored yet, or I keep my receipts private); read positions raise it live.
   */
  readByCount: number | null;
  /** Deleted for everyone: the body is gone. */
  deletedAt: string | null;
  /** The message it answers, as that message is now. */
  replyTo: Quote | null;
  reactions: readonly Reaction[];
  /** Its files (none while ours is on its way: they show once it is stored). */
  attachments: readonly Attachment[];
  /** A change of ours to it (an edit, a deletion, a reaction) waits in the outbox: what is shown is what it will be. */
  changing?: boolean;
}

const fromServer = (message: Message): ShownMessage => ({
  key: message.clientId ? `c:${message.clientId}` : `m:${message.id}`,
  id: message.id,
  clientId: message.clientId,
  body: message.body,
  createdAt: message.createdAt,
  kind: message.kind,
  sender: message.sender,
  state: 'sent',
  editedAt: message.editedAt,
  editableUntil: message.editableUntil,
  readByCount: message.readByCount ?? null,
  deletedAt: message.deletedAt,
  replyTo: message.replyTo,
  reactions: message.reactions,
  attachments: message.attachments,
});

/** What a reply shows of the message it answers. */
export const quoteOf = (message: Quote): Quote => ({
  id: message.id,
  body: message.body,
  kind: message.kind,
  deletedAt: message.deletedAt,
  sender: message.sender,
});

/**
 * A message as it now is (edited, deleted, its reactions), put in place of the one shown, and
 * into the quotes of the replies to it. Null when the list has neither: nothing to change.
 */
export function applyUpdate(messages: readonly ShownMessage[], message: Message): ShownMessage[] | null {
  let changed = false;
  const next = messages.map((shown) => {
    if (shown.id === message.id) {
      changed = true;
      return { ...fromServer(message), key: shown.key, readByCount: message.readByCount ?? shown.readByCount };
    }
    if (shown.replyTo?.id === message.id) {
      changed = true;
      return { ...shown, replyTo: quoteOf(message) };
    }
    return shown;
  });
  return changed ? next : null;
}

/**
 * The messages of one conversation, oldest first, each exactly once: history
 * pages, live deliveries and our own optimistic sends all merge here, matched
 * by id and by clientId, so a message that arrives twice (live and in the
 * send's answer, or again after a resume) shows once.
 */
export class MessageLog {
  #messages = $state<ShownMessage[]>([]);

  get messages(): readonly ShownMessage[] {
    return this.#messages;
  }

  /** The newest stored message: what a markRead names. */
  get newestStored(): ShownMessage | undefined {
    return this.#messages.at(-1);
  }

  has(id: string): boolean {
    return this.#messages.some((message) => message.id === id);
  }

  /** Older messages from a history page, put before everything shown. */
  prepend(page: readonly Message[]) {
    const known = new Set(this.#messages.map((message) => message.id));
    this.#messages = [...page.filter((message) => !known.has(message.id)).map(fromServer), ...this.#messages];
  }

  /** A stored message (live, our send's answer, a replay): never repeats. Its later states come to `update`. */
  receive(message: Message) {
    if (this.has(message.id)) return;
    // Stored messages stay in id order: a replay after a resume may bring older ones late.
    const id = BigInt(message.id);
    let at = this.#messages.findIndex((item) => item.id !== null && BigInt(item.id) > id);
    if (at === -1) at = this.#messages.length;
    this.#messages.splice(at, 0, fromServer(message));
  }

  /** A message changed (edited, deleted, reacted to); one that is not shown (nor quoted) is not loaded here: ignored. */
  update(message: Message) {
    const next = applyUpdate(this.#messages, message);
    if (next) this.#messages = next;
  }
}
