import type { Message, MessageKind, User } from '../graphql/documents.ts';

export type DeliveryState = 'sent' | 'sending' | 'failed';

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
    return this.#messages.findLast((message) => message.id !== null);
  }

  /** Older messages from a history page, put before everything shown. */
  prepend(page: readonly Message[]) {
    const known = new Set(this.#messages.map((message) => message.id));
    this.#messages = [...page.filter((message) => !known.has(message.id)).map(fromServer), ...this.#messages];
  }

  /** A stored message (live, our send's answer, a replay): replaces our pending copy, never repeats. */
  receive(message: Message) {
    if (this.#messages.some((shown) => shown.id === message.id)) return;
    const shown = fromServer(message);
    const pending = message.clientId ? this.#messages.findIndex((item) => item.key === shown.key) : -1;
    if (pending >= 0) {
      this.#messages.splice(pending, 1);
    }
    // Stored messages stay in id order (a replay after a resume may bring older ones
    // late); our unconfirmed ones stay at the end.
    const id = BigInt(message.id);
    let at = this.#messages.findIndex(
      (item) => item.state !== 'sent' || (item.id !== null && BigInt(item.id) > id),
    );
    if (at === -1) at = this.#messages.length;
    this.#messages.splice(at, 0, shown);
  }

  addPending(clientId: string, body: string, sender: User) {
    this.#messages.push({
      key: `c:${clientId}`,
      id: null,
      clientId,
      body,
      createdAt: new Date().toISOString(),
      kind: 'TEXT',
      sender,
      state: 'sending',
    });
  }

  markFailed(clientId: string, error: string) {
    const pending = this.#pending(clientId);
    if (pending) Object.assign(pending, { state: 'failed', error });
  }

  markSending(clientId: string) {
    const pending = this.#pending(clientId);
    if (pending) Object.assign(pending, { state: 'sending', error: undefined });
  }

  #pending(clientId: string) {
    return this.#messages.find((item) => item.clientId === clientId && item.state !== 'sent');
  }
}
