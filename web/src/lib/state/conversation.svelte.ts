import type { Client } from '@urql/core';
import {
  ConversationMessagesQuery,
  DirectConversationQuery,
  type Message,
  type MessagePage,
  type User,
} from '../graphql/documents.ts';
import { MessageLog, type ShownMessage } from './message-log.svelte.ts';
import type { Outbox, OutboxEntry } from './outbox.svelte.ts';

export const errorText = (
  error: { graphQLErrors?: Array<{ message: string }>; message: string } | undefined,
  fallback: string,
) => error?.graphQLErrors?.[0]?.message ?? error?.message ?? fallback;

/** The longest message the server takes. */
export const MAX_MESSAGE_LENGTH = 4000;

/** Which conversation to open: a known one, or a person the viewer may not have written to yet. */
export type Target = { id: string } | { peer: string };

/**
 * One open conversation: its history and our sends. Live messages come from the
 * app's one event stream; our sends go through the app's outbox. A direct conversation
 * that has no message yet has no id: the first send goes `to` the person and the
 * answer names the conversation.
 */
export class Conversation {
  readonly log = new MessageLog();
  readonly peer: string | null;
  #id = $state<string | null>(null);
  #loading = $state(true);
  #loadingOlder = $state(false);
  #hasOlder = $state(false);
  #error = $state<string | null>(null);
  #startCursor: string | null = null;

  /** Messages stored and ours on their way, oldest first; ours not yet stored come last. */
  readonly messages: ShownMessage[] = $derived.by(() => {
    const stored = this.log.messages;
    const keys = new Set(stored.map((message) => message.key));
    const pending = this.outbox.entries.filter(
      (entry) => this.#mine(entry) && !keys.has(`c:${entry.clientId}`),
    );
    return [...stored, ...pending.map((entry) => this.#shown(entry))];
  });

  constructor(
    private readonly urql: Client,
    readonly me: User,
    target: Target,
    private readonly outbox: Outbox,
    /** With unread messages when it opened, the last one read: the "new messages" line goes after it. */
    readonly readUpTo: string | null = null,
  ) {
    if ('id' in target) {
      this.#id = target.id;
      this.peer = null;
    } else {
      this.peer = target.peer;
    }
  }

  get id() {
    return this.#id;
  }
  get loading() {
    return this.#loading;
  }
  get loadingOlder() {
    return this.#loadingOlder;
  }
  get hasOlder() {
    return this.#hasOlder;
  }
  get error() {
    return this.#error;
  }

  /** The newest page. For a person, first finds whether a conversation with them exists. */
  async load() {
    if (this.#id === null && this.peer !== null) {
      const found = await this.urql.query(DirectConversationQuery, { peer: this.peer }).toPromise();
      if (!found.data) return this.#fail(errorText(found.error, 'Could not load.'));
      this.#id ??= found.data.conversation.edges[0]?.node.conversation.id ?? null;
    }
    if (this.#id !== null) await this.#loadPage(null);
    this.#loading = false;
  }

  async loadOlder() {
    if (this.#loadingOlder || !this.#hasOlder) return;
    this.#loadingOlder = true;
    await this.#loadPage(this.#startCursor);
    this.#loadingOlder = false;
  }

  async #loadPage(before: string | null) {
    const page = await this.#fetchPage(before);
    if (!page) return;
    this.log.prepend(page.edges.map((edge) => edge.node));
    this.#hasOlder = page.pageInfo.hasPreviousPage;
    this.#startCursor = page.pageInfo.startCursor ?? this.#startCursor;
  }

  /** The newest page again, merged in: what a stream without a resume point may have missed. */
  async catchUp() {
    if (this.#loading || this.#id === null) return;
    const page = await this.#fetchPage(null);
    for (const edge of page?.edges ?? []) this.log.receive(edge.node);
  }

  async #fetchPage(before: string | null): Promise<MessagePage | undefined> {
    const result = await this.urql.query(ConversationMessagesQuery, { id: this.#id!, before }).toPromise();
    const conversation = result.data?.conversationById;
    if (!conversation) this.#fail(errorText(result.error, 'This conversation is not available.'));
    return conversation?.messages;
  }

  #fail(message: string) {
    this.#loading = false;
    this.#error = message;
  }

  /** A stored message of this conversation (from the stream): shown once. Adopts the id of a new direct chat. */
  receive(message: Message) {
    this.#id ??= message.conversation.id;
    this.log.receive(message);
  }

  /** Queues a message; false when it was not taken (empty, too long, too many waiting). */
  send(body: string): boolean {
    const text = body.trim();
    if (!text || text.length > MAX_MESSAGE_LENGTH) return false;
    const id = this.#id;
    return this.outbox.add({ conversationId: id, to: id === null ? this.peer : null, body: text });
  }

  /** Sends again with the same clientId: if an earlier try was stored after all, the server returns it. */
  retry(clientId: string) {
    this.outbox.retry(clientId);
  }

  discard(clientId: string) {
    this.outbox.remove(clientId);
  }

  #mine(entry: OutboxEntry) {
    return entry.conversationId === null
      ? entry.to !== null && entry.to === this.peer
      : entry.conversationId === this.#id;
  }

  #shown(entry: OutboxEntry): ShownMessage {
    return {
      key: `c:${entry.clientId}`,
      id: null,
      clientId: entry.clientId,
      body: entry.body,
      createdAt: entry.createdAt,
      kind: 'TEXT',
      sender: this.me,
      state: entry.state === 'failed' ? 'failed' : entry.error ? 'waiting' : 'sending',
      error: entry.error,
    };
  }
}
