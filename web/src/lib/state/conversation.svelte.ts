import type { Client } from '@urql/core';
import { background } from '../background.ts';
import {
  ConversationMembersQuery,
  ConversationMessagesQuery,
  DirectConversationQuery,
  type MessagePage,
} from '../graphql/documents/conversations.ts';
import type { Member, Message, Quote, User } from '../graphql/documents/fragments.ts';
import { MessageDetailsQuery, type MessageDetails } from '../graphql/documents/messages.ts';
import { MessageLog, type ShownMessage } from './message-log.svelte.ts';
import type { Outbox, OutboxEntry, SendEntry } from './outbox.svelte.ts';
import { isSend, type Change, type ChangeEntry } from './outbox-queue.ts';
import { withChanges } from './queued-changes.ts';
import { atOrAfter } from './receipts.ts';

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
  #older: Promise<void> | null = null;
  #members = $state<Member[]>([]);

  /**
   * Messages stored and ours on their way, oldest first; ours not yet stored come last. Each
   * shows our queued changes to it (edits, deletions, reactions) as they will be.
   */
  readonly messages: ShownMessage[] = $derived.by(() => {
    const entries = this.outbox.entries.filter((entry) => this.#mine(entry));
    const changes = new Map<string, ChangeEntry[]>();
    for (const entry of entries) {
      if (isSend(entry)) continue;
      const target = entry.messageId ?? `c:${entry.sendId}`;
      changes.set(target, [...(changes.get(target) ?? []), entry]);
    }
    // By id, and by key: a change made while our send was on its way names the send until the outbox hears it was stored.
    const changed = (message: ShownMessage, ...targets: string[]) => {
      const queued = targets.flatMap((target) => changes.get(target) ?? []);
      return queued.length > 0 ? withChanges(message, queued) : message;
    };
    const stored = this.log.messages.map((message) => changed(message, message.id!, message.key));
    const keys = new Set(stored.map((message) => message.key));
    const pending = entries.filter(
      (entry): entry is SendEntry => isSend(entry) && !keys.has(`c:${entry.clientId}`),
    );
    return [...stored, ...pending.map((entry) => changed(this.#shown(entry), `c:${entry.clientId}`))];
  });
  /** Whether the viewer owns it (a group's owner removes members and deletes anyone's messages). */
  readonly owner: boolean = $derived.by(() =>
    this.#members.some((member) => member.user.id === this.me.id && member.role === 'OWNER'),
  );
  /** Our changes the server refused (too old to edit, not allowed): said, until dismissed. */
  readonly refusedChanges: ChangeEntry[] = $derived.by(() =>
    this.outbox.entries.filter(
      (entry): entry is ChangeEntry => !isSend(entry) && entry.state === 'failed' && this.#mine(entry),
    ),
  );

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
  /** Who is in it, oldest first, with their roles and read positions (empty until loaded). */
  get members(): readonly Member[] {
    return this.#members;
  }

  /** The newest page and the members. For a person, first finds whether a conversation with them exists. */
  async load() {
    if (this.#id === null && this.peer !== null) {
      const found = await this.urql.query(DirectConversationQuery, { peer: this.peer }).toPromise();
      if (!found.data) return this.#fail(errorText(found.error, 'Could not load.'));
      this.#id ??= found.data.conversation.edges[0]?.node.conversation.id ?? null;
    }
    if (this.#id !== null) await Promise.all([this.#loadPage(null), this.loadMembers()]);
    this.#loading = false;
  }

  /** The members again: someone joined or left, or the stream was away. */
  async loadMembers() {
    if (this.#id === null) return;
    const result = await this.urql.query(ConversationMembersQuery, { id: this.#id }).toPromise();
    const members = result.data?.conversationById?.members;
    if (members) this.#members = members;
  }

  /** A member's read position moved; positions only move forward. */
  onRead(userId: string, messageId: string) {
    const member = this.#members.find((item) => item.user.id === userId);
    if (member && !atOrAfter(member.lastReadMessageId, messageId)) member.lastReadMessageId = messageId;
  }

  /** The page before those shown; while one is loading, that one. */
  loadOlder(): Promise<void> {
    if (!this.#hasOlder) return Promise.resolve();
    this.#older ??= (async () => {
      this.#loadingOlder = true;
      await this.#loadPage(this.#startCursor);
      this.#loadingOlder = false;
      this.#older = null;
    })();
    return this.#older;
  }

  /** Loads older pages until message `id` is shown (a reply's original); false when it is not in this conversation. */
  async reveal(id: string): Promise<boolean> {
    while (!this.log.has(id) && this.#hasOlder && this.#error === null) await this.loadOlder();
    return this.log.has(id);
  }

  /** What a page leaves out of a message: who reacted, its earlier texts. Null when it cannot be read. */
  async details(id: string): Promise<MessageDetails | null> {
    if (this.#id === null) return null;
    const result = await this.urql.query(MessageDetailsQuery, { conversationId: this.#id, id }).toPromise();
    return result.data?.conversationById?.message ?? null;
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
    // Without a resume point, changes were missed too: the page's states replace those shown.
    for (const edge of page?.edges ?? []) {
      this.log.receive(edge.node);
      this.log.update(edge.node);
    }
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
    if (this.#id === null) {
      this.#id = message.conversation.id;
      background(this.loadMembers(), 'Loading the members');
    }
    this.log.receive(message);
    // Sending moves the sender's read position to their message.
    this.onRead(message.sender.id, message.id);
  }

  /**
   * A message's latest state from the stream: it replaces the one shown. One newer than all shown
   * was written while the stream was away (a resume brings only its latest state): it comes in.
   * An older one not loaded stays out: its page brings it.
   */
  absorb(message: Message) {
    const newest = this.log.newestStored?.id;
    if (this.log.has(message.id)) this.log.update(message);
    else if (newest == null || !atOrAfter(newest, message.id)) this.receive(message);
  }

  /** Queues a message (answering `replyTo`); false when it was not taken (empty, too long, too many waiting). */
  send(body: string, replyTo: Quote | null = null, attachments: readonly string[] = []): boolean {
    const text = body.trim();
    if ((!text && attachments.length === 0) || text.length > MAX_MESSAGE_LENGTH) return false;
    const id = this.#id;
    return this.outbox.add({
      conversationId: id,
      to: id === null ? this.peer : null,
      body: text,
      replyTo,
      ...(attachments.length > 0 && { attachments: [...attachments] }),
    });
  }

  /** A new text for a message (ours, on its way or stored); false when not taken. The same text changes nothing. */
  edit(message: ShownMessage, body: string): boolean {
    const text = body.trim();
    if (!text || text.length > MAX_MESSAGE_LENGTH) return false;
    return text === message.body || this.#changeOf(message, { op: 'edit', body: text });
  }

  /** Deletes for everyone; one of ours still on its way is simply not sent. */
  remove(message: ShownMessage): boolean {
    return this.#changeOf(message, { op: 'delete' });
  }

  /** Adds our reaction with `emoji`, or takes it back if we had reacted with it. */
  toggleReaction(message: ShownMessage, emoji: string): boolean {
    const mine = message.reactions.some((reaction) => reaction.emoji === emoji && reaction.reactedByMe);
    return this.#changeOf(message, { op: mine ? 'unreact' : 'react', emoji });
  }

  #changeOf(message: ShownMessage, change: Change): boolean {
    const id = this.#id;
    const target = {
      id: message.id,
      clientId: message.clientId,
      conversationId: id,
      to: id === null ? this.peer : null,
    };
    return this.outbox.change(target, change);
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

  #shown(entry: SendEntry): ShownMessage {
    return {
      key: `c:${entry.clientId}`,
      id: null,
      clientId: entry.clientId,
      body: entry.body,
      createdAt: entry.createdAt,
      kind: 'TEXT',
      sender: this.me,
      // One status for every unsent message while the queue is held up, not just for its head.
      state: entry.state === 'failed' ? 'failed' : entry.error || this.outbox.held ? 'waiting' : 'sending',
      error: entry.error,
      editedAt: null,
      editableUntil: null,
      readByCount: null,
      deletedAt: null,
      replyTo: entry.replyTo,
      reactions: [],
      attachments: [],
    };
  }
}
