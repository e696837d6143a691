import type { Client } from '@urql/core';
import {
  ConversationQuery,
  MessageAddedSubscription,
  SendMessageMutation,
  type Message,
  type User,
} from '../graphql/documents.ts';
import { MessageLog } from './message-log.svelte.ts';

const errorText = (error: { graphQLErrors?: Array<{ message: string }>; message: string } | undefined) =>
  error?.graphQLErrors?.[0]?.message ?? error?.message ?? 'Not sent.';

/** One open conversation: its history, its live stream and our sends. */
export class Conversation {
  readonly log = new MessageLog();
  #loading = $state(true);
  #loadingOlder = $state(false);
  #hasOlder = $state(false);
  #error = $state<string | null>(null);
  #startCursor: string | null = null;
  #live: { unsubscribe(): void } | null = null;

  constructor(
    private readonly urql: Client,
    readonly me: User,
    readonly peer: string,
  ) {}

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

  /** The newest page, then live messages from the last one on: no gap between the two. */
  async load() {
    const result = await this.urql.query(ConversationQuery, { peer: this.peer, before: null }).toPromise();
    this.#loading = false;
    if (!result.data) {
      this.#error = errorText(result.error);
      return;
    }
    this.#takePage(result.data.conversation);
    this.goLive();
  }

  async loadOlder() {
    if (this.#loadingOlder || !this.#hasOlder) return;
    this.#loadingOlder = true;
    const result = await this.urql
      .query(ConversationQuery, { peer: this.peer, before: this.#startCursor })
      .toPromise();
    this.#loadingOlder = false;
    if (result.data) this.#takePage(result.data.conversation);
  }

  #takePage(page: {
    edges: Array<{ node: Message }>;
    pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
  }) {
    this.log.prepend(page.edges.map((edge) => edge.node));
    this.#hasOlder = page.pageInfo.hasPreviousPage;
    this.#startCursor = page.pageInfo.startCursor ?? this.#startCursor;
  }

  /** Subscribes from the last message the stream or history gave us, so a resumed stream replays exactly what was missed. */
  goLive() {
    if (this.#live || this.#loading) return;
    this.#live = this.urql
      .subscription(MessageAddedSubscription, { peer: this.peer, after: this.log.resumeAfter })
      .subscribe((result) => {
        if (result.data) this.log.receiveStreamed(result.data.messageAdded);
      });
  }

  /** The socket went away: drop the stream; `goLive()` resumes it when the socket is back. */
  pause() {
    this.#live?.unsubscribe();
    this.#live = null;
  }

  send(body: string) {
    const text = body.trim();
    if (!text) return;
    const clientId = crypto.randomUUID();
    this.log.addPending(clientId, text, this.me);
    return this.#deliver(clientId, text);
  }

  /** Sends again with the same clientId: if the first try was stored after all, the server returns it. */
  retry(clientId: string, body: string) {
    this.log.markSending(clientId);
    return this.#deliver(clientId, body);
  }

  async #deliver(clientId: string, body: string) {
    const result = await this.urql
      .mutation(SendMessageMutation, { to: this.peer, body, clientId })
      .toPromise();
    if (result.data) this.log.receive(result.data.sendMessage);
    else this.log.markFailed(clientId, errorText(result.error));
  }

  close() {
    this.pause();
  }
}
