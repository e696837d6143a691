import type { ConversationSummary, Message, User } from '../graphql/documents/fragments.ts';
import { atOrAfter } from './receipts.ts';

/** Live changes recorded while one snapshot is on its way, at most: past it, the snapshot is fetched again. */
export const ARRIVALS_LIMIT = 1_000;

/**
 * Rows read from the server while live events kept coming. The server answers with the rows as
 * they were when it read them; events that came while the answer was on its way are recorded and
 * applied again over the answer (each applies once: a message at or before a row's last one, a
 * read position not ahead, changes nothing).
 */
export interface Snapshot {
  /** Takes one row of the answer, with what came since. */
  upsert(summary: ConversationSummary): void;
  /** Takes a fresh first page, with what came since. */
  replace(page: readonly ConversationSummary[], pageInfo: { hasNextPage: boolean; endCursor: string | null }): void;
  /** The answer did not come (or said the row is gone): stop recording. */
  drop(): void;
  /** More came meanwhile than is recorded: the answer cannot be trusted, read it again. */
  readonly overflowed: boolean;
}

type Arrival = { conversationId: string; apply: () => void };

const newestFirst = (a: ConversationSummary, b: ConversationSummary) =>
  Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || Number(BigInt(b.id) - BigInt(a.id));

/**
 * The viewer's conversations, most recent activity first, with their unread counts.
 * The server's counts are the truth (they survive reloads); live events move them
 * until the next refresh replaces them.
 */
export class ChatList {
  #byId = $state<Record<string, ConversationSummary>>({});
  #hasMore = $state(false);
  #endCursor: string | null = null;
  /** One record of live arrivals per snapshot on its way. */
  #recorders = new Set<{ arrivals: Arrival[]; overflowed: boolean }>();

  readonly conversations: readonly ConversationSummary[] = $derived(
    Object.values(this.#byId).sort(newestFirst),
  );
  /** For the tab's title and icon: a muted conversation's unread count shows in its row only. */
  readonly totalUnread: number = $derived(
    this.conversations.reduce((total, conversation) => total + (conversation.muted ? 0 : conversation.unreadCount), 0),
  );

  get hasMore() {
    return this.#hasMore;
  }
  get endCursor() {
    return this.#endCursor;
  }

  get(id: string): ConversationSummary | undefined {
    return this.#byId[id];
  }

  /** The direct conversation with `username`, if it is loaded. */
  findDirect(username: string): ConversationSummary | undefined {
    return this.conversations.find((item) => item.kind === 'DIRECT' && item.title === username);
  }

  /** The first page of a fresh `conversations` answer: what it leaves out is gone (left, removed). */
  replace(
    page: readonly ConversationSummary[],
    pageInfo: { hasNextPage: boolean; endCursor: string | null },
  ) {
    this.#byId = Object.fromEntries(page.map((item) => [item.id, item]));
    this.#takePageInfo(pageInfo);
  }

  /** A further page. */
  append(page: readonly ConversationSummary[], pageInfo: { hasNextPage: boolean; endCursor: string | null }) {
    for (const item of page) this.upsert(item);
    this.#takePageInfo(pageInfo);
  }

  upsert(summary: ConversationSummary) {
    this.#byId[summary.id] = summary;
  }

  /**
   * Call before asking the server for rows: everything that reaches the list from now until the
   * answer is taken is applied again over the answer. Without this, a message that came while the
   * answer was on its way was counted on the old row and lost when the answer replaced it, or
   * (for a conversation new to the list) never counted at all.
   */
  snapshot(): Snapshot {
    const recorder = { arrivals: [] as Arrival[], overflowed: false };
    this.#recorders.add(recorder);
    const replay = (ids: Set<string>) => {
      this.#recorders.delete(recorder);
      for (const arrival of recorder.arrivals) if (ids.has(arrival.conversationId)) arrival.apply();
    };
    return {
      upsert: (summary) => {
        this.upsert(summary);
        replay(new Set([summary.id]));
      },
      replace: (page, pageInfo) => {
        this.replace(page, pageInfo);
        replay(new Set(page.map((item) => item.id)));
      },
      drop: () => {
        this.#recorders.delete(recorder);
      },
      get overflowed() {
        return recorder.overflowed;
      },
    };
  }

  #record(conversationId: string, apply: () => void) {
    for (const recorder of this.#recorders) {
      if (recorder.arrivals.length < ARRIVALS_LIMIT) recorder.arrivals.push({ conversationId, apply });
      else recorder.overflowed = true;
    }
  }

  remove(id: string) {
    delete this.#byId[id];
  }

  /**
   * A stored message: its conversation moves up and shows it; one from someone else
   * counts as unread unless the reader is looking at it (`seen`), and as a mention too if it
   * names the reader (`mentionsMe`). Returns false when the conversation is not in the list,
   * so the caller fetches it.
   */
  onMessage(message: Message, me: User, seen: boolean, mentionsMe = false): boolean {
    this.#record(message.conversation.id, () => this.onMessage(message, me, seen, mentionsMe));
    const conversation = this.#byId[message.conversation.id];
    if (!conversation) return false;
    // A replay after a resume, or the send's answer after the stream: counted once.
    if (conversation.lastMessage && atOrAfter(conversation.lastMessage.id, message.id)) return true;
    conversation.lastMessage = message;
    conversation.updatedAt = message.createdAt;
    if (message.sender.id === me.id) {
      // Sending marks your own message read, and so everything before it.
      this.#moveRead(conversation, message.id);
    } else if (message.kind === 'TEXT' && message.deletedAt === null && !seen) {
      conversation.unreadCount++;
      if (mentionsMe) conversation.mentionCount++;
    }
    return true;
  }

  /**
   * Whether a changed message is one the list never showed: newer than its conversation's last
   * message. A message written and then changed while the stream was away comes only as its
   * latest state.
   */
  isNew(message: Message): boolean {
    const conversation = this.#byId[message.conversation.id];
    if (!conversation) return false;
    return conversation.lastMessage === null || !atOrAfter(conversation.lastMessage.id, message.id);
  }

  /**
   * A message changed (edited, deleted, reacted to): the row shows it if it is its last one.
   * Returns false when the viewer's counts may have changed with it (an unread message of
   * someone else edited or deleted: mentions come and go, a deleted one no longer counts),
   * which only the server can say: refetch the row.
   */
  onUpdated(message: Message, me: User): boolean {
    const conversation = this.#byId[message.conversation.id];
    if (!conversation) return true;
    if (conversation.lastMessage?.id === message.id) conversation.lastMessage = message;
    const unread =
      message.sender.id !== me.id &&
      message.kind === 'TEXT' &&
      !atOrAfter(conversation.lastReadMessageId, message.id);
    return !(unread && (message.deletedAt !== null || message.editedAt !== null));
  }

  /**
   * The viewer's own read position moved (in this tab or another). Returns false when the
   * unread count cannot be known from here (read up to a middle message): refetch it.
   */
  onOwnRead(conversationId: string, messageId: string): boolean {
    this.#record(conversationId, () => this.onOwnRead(conversationId, messageId));
    const conversation = this.#byId[conversationId];
    if (!conversation) return true;
    return this.#moveRead(conversation, messageId);
  }

  /** Read positions only move forward. Returns whether the viewer's unread count is known afterwards. */
  #moveRead(conversation: ConversationSummary, messageId: string): boolean {
    if (!atOrAfter(conversation.lastReadMessageId, messageId)) conversation.lastReadMessageId = messageId;
    const last = conversation.lastMessage;
    if (last === null || atOrAfter(conversation.lastReadMessageId, last.id)) {
      conversation.unreadCount = 0;
      conversation.mentionCount = 0;
      return true;
    }
    return false;
  }

  #takePageInfo(pageInfo: { hasNextPage: boolean; endCursor: string | null }) {
    this.#hasMore = pageInfo.hasNextPage;
    this.#endCursor = pageInfo.endCursor;
  }
}
