import type { Client } from '@urql/core';
import { background } from '../background.ts';
import { ConversationsQuery, ConversationSummaryQuery } from '../graphql/documents/conversations.ts';
import type { ConversationSummary, User } from '../graphql/documents/fragments.ts';
import { ChatList } from './chat-list.svelte.ts';
import { Conversation, type Target } from './conversation.svelte.ts';
import type { Outbox } from './outbox.svelte.ts';

/**
 * The chat list kept in step with the server, and the conversation open from it. The list's
 * first page comes fresh on start, after a reconnection and after a privacy change; a row is
 * fetched when something names a conversation the list lacks, and goes when the server no
 * longer shows it to the viewer.
 */
export class Inbox {
  readonly list = new ChatList();
  #conversation = $state<Conversation | null>(null);
  #notice = $state<string | null>(null);
  #target = $state<string | null>(null);
  #fetching = new Set<string>();

  /** The open conversation's row in the list (members, title, read positions); none for a new direct chat. */
  readonly summary: ConversationSummary | undefined = $derived.by(() => {
    const id = this.#conversation?.id;
    return id ? this.list.get(id) : undefined;
  });

  constructor(
    private readonly urql: Client,
    private readonly me: User,
    private readonly outbox: Outbox,
    /** What the stream said of people since the last load (presence, profiles): dropped when the list is fresh. */
    private readonly liveNews: ReadonlyArray<{ forget(): void }>,
    /** Runs once an opened conversation has loaded (to mark it read). */
    private readonly onLoaded: () => Promise<void>,
  ) {}

  /** The open conversation, or null for the list alone. */
  get conversation() {
    return this.#conversation;
  }
  /** A note for the person, e.g. that they were removed from the open group. */
  get notice() {
    return this.#notice;
  }

  /** A message to show once the open conversation has loaded: a search result chosen. */
  get target() {
    return this.#target;
  }

  /** Opens conversation `id` at its message `messageId`, older history loaded as far as it. */
  openAt(id: string, messageId: string) {
    this.open({ id });
    this.#target = messageId;
  }

  /** The message to show, handed over once: the view that takes it scrolls to it. */
  takeTarget(): string | null {
    const target = this.#target;
    this.#target = null;
    return target;
  }

  /** The list from the server (its unread counts are the truth), and the open conversation's row. */
  async refresh(): Promise<void> {
    const snapshot = this.list.snapshot();
    const result = await this.urql.query(ConversationsQuery, { after: null }).toPromise();
    const page = result.data?.conversations;
    if (!page) return snapshot.drop();
    if (snapshot.overflowed) {
      snapshot.drop();
      return this.refresh();
    }
    snapshot.replace(
      page.edges.map((edge) => edge.node),
      page.pageInfo,
    );
    for (const news of this.liveNews) news.forget();
    const open = this.#conversation?.id;
    if (open && !this.list.get(open)) await this.fetch(open);
  }

  async loadMore() {
    const result = await this.urql.query(ConversationsQuery, { after: this.list.endCursor }).toPromise();
    const page = result.data?.conversations;
    if (page)
      this.list.append(
        page.edges.map((edge) => edge.node),
        page.pageInfo,
      );
  }

  /** One conversation's row, into the list; one the server does not show the viewer any more goes. */
  async fetch(id: string): Promise<ConversationSummary | undefined> {
    if (this.#fetching.has(id)) return;
    this.#fetching.add(id);
    const snapshot = this.list.snapshot();
    const result = await this.urql.query(ConversationSummaryQuery, { id }).toPromise();
    this.#fetching.delete(id);
    const summary = result.data?.conversationById;
    if (!summary || snapshot.overflowed) {
      snapshot.drop();
      if (summary) return this.fetch(id);
      if (result.data) this.removed(id);
      return undefined;
    }
    snapshot.upsert(summary);
    return summary;
  }

  open(target: Target) {
    this.#notice = null;
    if ('peer' in target) {
      const known = this.list.findDirect(target.peer);
      if (known) target = { id: known.id };
    }
    const current = this.#conversation;
    if (current && ('id' in target ? current.id === target.id : current.peer === target.peer)) return;
    const row = 'id' in target ? this.list.get(target.id) : undefined;
    // Where the "new messages" line goes: after the last read message ('0': before all of them).
    const readUpTo = row && row.unreadCount > 0 ? (row.lastReadMessageId ?? '0') : null;
    const conversation = new Conversation(this.urql, this.me, target, this.outbox, readUpTo);
    this.#conversation = conversation;
    background(conversation.load().then(this.onLoaded), 'Opening the conversation');
  }

  /** Closes the open conversation (Back on a phone, or the address went back to the list). */
  close() {
    this.#conversation = null;
    this.#notice = null;
    this.#target = null;
  }

  /** The open conversation, if a message of conversation `id` belongs in it. */
  showing(id: string): Conversation | null {
    const open = this.#conversation;
    return open !== null && (open.id === id || this.startsOpenChat(this.list.get(id))) ? open : null;
  }

  /** Whether `summary` is the direct conversation with the person whose empty chat is open. */
  startsOpenChat(summary: ConversationSummary | undefined) {
    const open = this.#conversation;
    return open?.id === null && summary?.kind === 'DIRECT' && summary.title === open.peer;
  }

  /** The viewer was removed (or the conversation is gone): it leaves the list, and closes with a note if open. */
  removed(id: string) {
    this.list.remove(id);
    if (this.#conversation?.id === id) {
      this.#conversation = null;
      this.#notice = 'You are no longer a member of that conversation.';
    }
  }

  /** The viewer left: the conversation leaves the list, and closes if open, without a note. */
  left(id: string) {
    this.removed(id);
    this.#notice = null;
  }
}
