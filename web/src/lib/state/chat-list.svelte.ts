import type { ConversationSummary, Message, User } from '../graphql/documents.ts';
import { atOrAfter } from './receipts.ts';

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

  readonly conversations: readonly ConversationSummary[] = $derived(
    Object.values(this.#byId).sort(newestFirst),
  );
  readonly totalUnread: number = $derived(
    this.conversations.reduce((total, conversation) => total + conversation.unreadCount, 0),
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

  remove(id: string) {
    delete this.#byId[id];
  }

  /**
   * A stored message: its conversation moves up and shows it; one from someone else
   * counts as unread unless the reader is looking at it (`seen`). Returns false when
   * the conversation is not in the list, so the caller fetches it.
   */
  onMessage(message: Message, me: User, seen: boolean): boolean {
    const conversation = this.#byId[message.conversation.id];
    if (!conversation) return false;
    // A replay after a resume, or the send's answer after the stream: counted once.
    if (conversation.lastMessage && atOrAfter(conversation.lastMessage.id, message.id)) return true;
    conversation.lastMessage = message;
    conversation.updatedAt = message.createdAt;
    if (message.sender.id === me.id) {
      // Sending marks your own message read, and so everything before it.
      this.#moveRead(conversation, me.id, message.id, me);
    } else if (message.kind === 'TEXT' && !seen) {
      conversation.unreadCount++;
    }
    return true;
  }

  /**
   * A member's read position moved. Returns false when the viewer's own unread count
   * cannot be known from here (read in another tab up to a middle message): refetch it.
   */
  onRead(conversationId: string, user: User, messageId: string, me: User): boolean {
    const conversation = this.#byId[conversationId];
    if (!conversation) return true;
    return this.#moveRead(conversation, user.id, messageId, me);
  }

  /** Our own markRead went through: the same as a read event of ours. */
  markedRead(conversationId: string, messageId: string, me: User): boolean {
    return this.onRead(conversationId, me, messageId, me);
  }

  /** Read positions only move forward. Returns whether the viewer's unread count is known afterwards. */
  #moveRead(conversation: ConversationSummary, userId: string, messageId: string, me: User): boolean {
    const member = conversation.members.find((item) => item.user.id === userId);
    if (member && !atOrAfter(member.lastReadMessageId, messageId)) member.lastReadMessageId = messageId;
    if (userId !== me.id) return true;
    if (!atOrAfter(conversation.lastReadMessageId, messageId)) conversation.lastReadMessageId = messageId;
    const last = conversation.lastMessage;
    if (last === null || atOrAfter(conversation.lastReadMessageId, last.id)) {
      conversation.unreadCount = 0;
      return true;
    }
    return false;
  }

  #takePageInfo(pageInfo: { hasNextPage: boolean; endCursor: string | null }) {
    this.#hasMore = pageInfo.hasNextPage;
    this.#endCursor = pageInfo.endCursor;
  }
}
