import type { Message, MessageKind, User } from '../graphql/documents.ts';

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
});

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

  /** Older messages from a history page, put before everything shown. */
  prepend(page: readonly Message[]) {
    const known = new Set(this.#messages.map((message) => message.id));
    this.#messages = [...page.filter((message) => !known.has(message.id)).map(fromServer), ...this.#messages];
  }

  /** A stored message (live, our send's answer, a replay): never repeats. */
  receive(message: Message) {
    if (this.#messages.some((shown) => shown.id === message.id)) return;
    // Stored messages stay in id order: a replay after a resume may bring older ones late.
    const id = BigInt(message.id);
    let at = this.#messages.findIndex((item) => item.id !== null && BigInt(item.id) > id);
    if (at === -1) at = this.#messages.length;
    this.#messages.splice(at, 0, fromServer(message));
  }
}
