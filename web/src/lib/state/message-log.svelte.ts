import type { Message, User } from '../graphql/documents.ts';

export type DeliveryState = 'sent' | 'sending' | 'failed';

/** A message as shown: a stored one, or one of ours still on its way (keyed by clientId). */
export interface ShownMessage {
  key: string;
  id: string | null;
  clientId: string | null;
  body: string;
  createdAt: string;
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
  #resumeAfter: string | null = null;

  get messages(): readonly ShownMessage[] {
    return this.#messages;
  }

  /**
   * Where a resumed subscription picks up: the last message the stream
   * delivered, or before that the newest of the first history page. Both know
   * every message up to theirs. A send's answer or an inbox event does not: a
   * peer's message committed just before it may not have reached us yet.
   */
  get resumeAfter(): string | null {
    return this.#resumeAfter;
  }

  /** Older messages from a history page, put before everything shown. */
  prepend(page: readonly Message[]) {
    // Only the first page is the newest; later ones are older than anything streamed.
    this.#resumeAfter ??= page.at(-1)?.id ?? null;
    const known = new Set(this.#messages.map((message) => message.id));
    this.#messages = [...page.filter((message) => !known.has(message.id)).map(fromServer), ...this.#messages];
  }

  /** The next message of the conversation's stream, in commit order: shown, and the resume point. */
  receiveStreamed(message: Message) {
    this.#resumeAfter = message.id;
    this.receive(message);
  }

  /** A stored message from outside the stream (our send's answer, the inbox): replaces our pending copy, never repeats. */
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
