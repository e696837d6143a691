import type { AnyVariables, CombinedError, OperationResult, TypedDocumentNode } from '@urql/core';
import type { Transport } from '../graphql/client.ts';
import {
  AddMembersMutation,
  ConversationsQuery,
  ConversationSummaryQuery,
  CreateGroupMutation,
  EventsSubscription,
  MarkReadMutation,
  MeQuery,
  RemoveMemberMutation,
  RenameConversationMutation,
  SendMessageMutation,
  SetTypingMutation,
  type ChatEvent,
  type ConversationSummary,
  type Message,
  type User,
} from '../graphql/documents.ts';
import { ChatList } from './chat-list.svelte.ts';
import { Connection } from './connection.svelte.ts';
import { Conversation, errorText, type Target } from './conversation.svelte.ts';
import { EventStream } from './event-stream.ts';
import {
  localOutboxStore,
  Outbox,
  type OutboxEntry,
  type OutboxStore,
  type SendResult,
} from './outbox.svelte.ts';
import { People } from './people.svelte.ts';
import { PresenceBook } from './presence.svelte.ts';
import { Privacy } from './privacy.svelte.ts';
import { atOrAfter } from './receipts.ts';
import { TypingBook } from './typing.svelte.ts';

/** What a group action answers: null when it worked, else why not, in words. */
export type ActionResult = string | null;

/** Why the session is over, as the login page explains it. */
export type SessionEnd = 'logged-out' | 'ended';

const codeOf = (error: CombinedError | undefined) => error?.graphQLErrors[0]?.extensions.code;

/** A failed send in words, and whether the outbox should try it again by itself. */
function sendFailure(error: CombinedError | undefined): SendResult {
  if (!error || error.networkError)
    return { retry: 'No connection. It will be sent when the connection is back.' };
  const code = codeOf(error);
  const reason = errorText(error, 'The server did not take it.');
  if (code === 'UNAUTHENTICATED') return { retry: 'You are signed out. It will be sent after you log in.' };
  if (code === 'RATE_LIMITED' || code === 'UNAVAILABLE')
    return { retry: `${reason} It will be sent again shortly.` };
  return { refused: reason };
}

/** The signed-in chat: who I am, the chat list, the open conversation, the event stream, the connection. */
export class ChatApp {
  readonly connection = new Connection();
  readonly people: People;
  readonly list = new ChatList();
  readonly events: EventStream;
  readonly typing = new TypingBook();
  readonly presence = new PresenceBook();
  /** Settings and blocks change what the server shows: the list is loaded again after a change. */
  readonly privacy: Privacy;
  #me = $state<User | null>(null);
  #conversation = $state<Conversation | null>(null);
  #notice = $state<string | null>(null);
  #visible = true;
  #fetching = new Set<string>();
  #marking: string | null = null;
  #stops: Array<() => void> = [];
  #outbox: Outbox | null = null;
  /** Told of each message someone else sent (for a desktop notification). */
  onIncoming: ((message: Message) => void) | null = null;
  #tabs: BroadcastChannel | null = null;
  #ended = false;

  constructor(
    private readonly transport: Transport,
    /** Where a session that ended anywhere goes (the login page, with the reason). */
    private readonly onSessionEnd: (why: SessionEnd) => void = () => {},
    private readonly outboxStore: (userId: string) => OutboxStore = localOutboxStore,
  ) {
    this.people = new People(transport.urql);
    this.privacy = new Privacy(transport.urql, () => void this.#refresh());
    this.events = new EventStream(
      (after, onEvent) => {
        const subscription = transport.urql
          .subscription(EventsSubscription, { after })
          .subscribe((result) => {
            if (result.data) onEvent(result.data.events);
          });
        return () => subscription.unsubscribe();
      },
      (event) => this.#onEvent(event),
      () => void this.#resumed(),
    );
    // Watch from the start: the socket opens on its own while we are still asking who we are.
    this.#stops.push(this.connection.watch(transport.ws));
  }

  get me() {
    return this.#me;
  }
  get conversation() {
    return this.#conversation;
  }
  /** The open conversation's row in the list (members, title, read positions); none for a new direct chat. */
  get summary(): ConversationSummary | undefined {
    const id = this.#conversation?.id;
    return id ? this.list.get(id) : undefined;
  }
  /** A note for the person, e.g. that they were removed from the open group. */
  get notice() {
    return this.#notice;
  }

  /** Our messages on their way (there once we know who we are). */
  get outbox() {
    return this.#outbox;
  }

  /** Returns false when there is no session (the caller sends the person to log in). */
  async start(browser: Document = document): Promise<boolean> {
    const { urql, ws } = this.transport;
    const result = await urql.query(MeQuery, {}).toPromise();
    const me = result.data?.me;
    if (!me) return false;
    this.#me = me;
    const outbox = new Outbox(
      this.outboxStore(me.id),
      (entry) => this.#deliver(entry),
      (message) => this.#onMessage(message),
    );
    this.#outbox = outbox;
    const onVisibility = () => this.setVisible(browser.visibilityState === 'visible');
    const onOnline = () => outbox.kick();
    browser.addEventListener('visibilitychange', onVisibility);
    browser.defaultView?.addEventListener('online', onOnline);
    onVisibility();
    // Every tab hears when one of them logs out.
    const tabs = new BroadcastChannel('chat-session');
    tabs.onmessage = (event) => {
      if (event.data === 'logged-out') this.endSession('logged-out', false);
    };
    this.#stops.push(
      () => browser.removeEventListener('visibilitychange', onVisibility),
      () => browser.defaultView?.removeEventListener('online', onOnline),
      () => tabs.close(),
      () => outbox.stop(),
      ws.on('closed', (event) => {
        this.events.pause();
        // 4403: the server ended this session (logout elsewhere, expiry, revocation).
        if ((event as CloseEvent).code === 4403) this.endSession('ended');
      }),
      ws.on('connected', () => {
        this.events.resume();
        outbox.kick();
      }),
    );
    this.#tabs = tabs;
    this.#stops.push(() => this.typing.stop());
    void this.privacy.load();
    // Subscribe before reading the list, so nothing that happens in between is lost.
    this.events.start();
    await this.#refresh();
    return true;
  }

  /**
   * Back after a cut: the stream replays the messages missed since its cursor; the list
   * (read and membership changes are live only) comes fresh from the server. Without a
   * cursor nothing is replayed, so the open conversation reloads its newest page.
   */
  async #resumed() {
    if (this.events.cursor === null) void this.#conversation?.catchUp();
    await this.#refresh();
  }

  /** The list from the server (its unread counts are the truth), and the open conversation's row. */
  async #refresh() {
    const result = await this.transport.urql.query(ConversationsQuery, { after: null }).toPromise();
    const page = result.data?.conversations;
    if (!page) return;
    this.list.replace(
      page.edges.map((edge) => edge.node),
      page.pageInfo,
    );
    this.presence.forget();
    const open = this.#conversation?.id;
    if (open && !this.list.get(open)) void this.#fetchSummary(open);
  }

  async loadMoreConversations() {
    const result = await this.transport.urql
      .query(ConversationsQuery, { after: this.list.endCursor })
      .toPromise();
    const page = result.data?.conversations;
    if (page)
      this.list.append(
        page.edges.map((edge) => edge.node),
        page.pageInfo,
      );
  }

  async #fetchSummary(id: string): Promise<ConversationSummary | undefined> {
    if (this.#fetching.has(id)) return;
    this.#fetching.add(id);
    const result = await this.transport.urql.query(ConversationSummaryQuery, { id }).toPromise();
    this.#fetching.delete(id);
    const summary = result.data?.conversationById;
    if (summary) this.list.upsert(summary);
    else if (result.data) this.#lost(id);
    return summary ?? undefined;
  }

  #onEvent(event: ChatEvent) {
    const me = this.#me;
    if (!me) return;
    switch (event.__typename) {
      case 'MessageEvent':
        if (event.message.sender.id !== me.id && event.message.kind === 'TEXT')
          this.onIncoming?.(event.message);
        return this.#onMessage(event.message);
      case 'ReadEvent':
        if (!this.list.onRead(event.conversation.id, event.user, event.lastReadMessageId, me)) {
          void this.#fetchSummary(event.conversation.id);
        }
        return;
      case 'MembershipEvent':
        if (event.user.id === me.id && event.change !== 'ADDED') return this.#lost(event.conversation.id);
        return void this.#fetchSummary(event.conversation.id);
      case 'ConversationEvent':
        return this.list.upsert(event.conversation);
      case 'TypingEvent':
        if (event.user.id !== me.id) this.typing.onEvent(event.conversation.id, event.user, event.typing);
        return;
      case 'PresenceEvent':
        return this.presence.onEvent(event.user.id, event.presence);
    }
  }

  /** Every stored message, from the stream or a send's answer: into the list and the open conversation, once. */
  #onMessage(message: Message) {
    const id = message.conversation.id;
    // Ours, stored (seen live, or a send's answer): no longer on its way.
    if (message.clientId && message.sender.id === this.#me?.id) this.#outbox?.remove(message.clientId);
    const open = this.#conversation;
    const isOpen = open !== null && (open.id === id || this.#startsOpenChat(this.list.get(id)));
    if (isOpen) open.receive(message);
    if (!this.list.onMessage(message, this.#me!, isOpen && this.#visible)) {
      // A conversation new to the list: fetch its row, then show the message if it is the open new chat.
      void this.#fetchSummary(id).then((summary) => {
        if (this.#startsOpenChat(summary)) this.#onMessage(message);
      });
    }
    if (isOpen) void this.#markRead();
  }

  /** Whether `summary` is the direct conversation with the person whose empty chat is open. */
  #startsOpenChat(summary: ConversationSummary | undefined) {
    const open = this.#conversation;
    return open?.id === null && summary?.kind === 'DIRECT' && summary.title === open.peer;
  }

  /** The viewer left or was removed: the conversation goes, and closes if open. */
  #lost(id: string) {
    this.list.remove(id);
    if (this.#conversation?.id === id) {
      this.#conversation = null;
      this.#notice = 'You are no longer a member of that conversation.';
    }
  }

  /** Tells the server we have read up to the newest message, when a conversation is open and the tab visible. */
  async #markRead() {
    const open = this.#conversation;
    const me = this.#me;
    const newest = open?.log.newestStored;
    if (!open?.id || !me || !newest?.id || !this.#visible) return;
    const summary = this.list.get(open.id);
    if (summary && atOrAfter(summary.lastReadMessageId, newest.id)) return;
    const key = `${open.id}:${newest.id}`;
    if (this.#marking === key) return;
    this.#marking = key;
    const result = await this.transport.urql
      .mutation(MarkReadMutation, { conversationId: open.id, messageId: newest.id })
      .toPromise();
    if (result.data) this.list.upsert(result.data.markRead);
  }

  setVisible(visible: boolean) {
    this.#visible = visible;
    if (visible) void this.#markRead();
  }

  /** One try at storing a queued message. */
  async #deliver(entry: OutboxEntry): Promise<SendResult> {
    const result = await this.transport.urql
      .mutation(SendMessageMutation, {
        conversationId: entry.conversationId,
        to: entry.conversationId === null ? entry.to : null,
        body: entry.body,
        clientId: entry.clientId,
      })
      .toPromise();
    if (result.data) return { stored: result.data.sendMessage };
    if (codeOf(result.error) === 'UNAUTHENTICATED') this.endSession('ended');
    return sendFailure(result.error);
  }

  /**
   * The session is over: everything stops and the person goes to log in. `tell` passes it on
   * to the other tabs (they may not have noticed: a logout there closes their sockets too, but
   * a tab in the background may be slow to hear it).
   */
  endSession(why: SessionEnd, tell = true) {
    if (this.#ended) return;
    this.#ended = true;
    if (tell) this.#tabs?.postMessage('logged-out');
    this.stop();
    this.onSessionEnd(why);
  }

  /** This tab is logging out (its form posts): the other tabs go to log in; this one is on its way already. */
  loggingOut() {
    this.#ended = true;
    this.#tabs?.postMessage('logged-out');
  }

  /** Closes the open conversation (Back on a phone, or the address went back to the list). */
  close() {
    this.#conversation = null;
    this.#notice = null;
  }

  open(target: Target) {
    const me = this.#me;
    if (!me) return;
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
    const conversation = new Conversation(this.transport.urql, me, target, this.#outbox!, readUpTo);
    this.#conversation = conversation;
    void conversation.load().then(() => this.#markRead());
  }

  /** Tells the others in a conversation whether I am typing; a lost one lapses on its own, so failures are ignored. */
  async setTyping(conversationId: string, typing: boolean) {
    await this.transport.urql.mutation(SetTypingMutation, { conversationId, typing }).toPromise();
  }

  /** A people search of its own, for picking group members. */
  newPeopleSearch() {
    return new People(this.transport.urql);
  }

  async createGroup(title: string, members: string[]): Promise<ActionResult> {
    const result = await this.#run(CreateGroupMutation, { title, members });
    if (typeof result === 'string') return result;
    this.list.upsert(result.createGroup);
    this.open({ id: result.createGroup.id });
    return null;
  }

  async addMembers(conversationId: string, usernames: string[]): Promise<ActionResult> {
    const result = await this.#run(AddMembersMutation, { conversationId, usernames });
    if (typeof result === 'string') return result;
    this.list.upsert(result.addMembers);
    return null;
  }

  async rename(conversationId: string, title: string): Promise<ActionResult> {
    const result = await this.#run(RenameConversationMutation, { conversationId, title });
    if (typeof result === 'string') return result;
    this.list.upsert(result.renameConversation);
    return null;
  }

  /** The owner removes `username`; with my own name it is leaving. */
  async removeMember(conversationId: string, username: string): Promise<ActionResult> {
    const result = await this.#run(RemoveMemberMutation, { conversationId, username });
    if (typeof result === 'string') return result;
    if (username === this.#me?.username) {
      this.#lost(conversationId);
      this.#notice = null;
    } else {
      await this.#fetchSummary(conversationId);
    }
    return null;
  }

  async #run<Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<Data | string> {
    const result: OperationResult<Data, Variables> = await this.transport.urql
      .mutation(document, variables)
      .toPromise();
    return result.data ?? errorText(result.error, 'That did not work.');
  }

  stop() {
    this.events.stop();
    this.#stops.splice(0).forEach((stop) => stop());
    void this.transport.ws.dispose();
  }
}
