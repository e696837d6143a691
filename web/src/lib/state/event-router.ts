import type { Client as UrqlClient } from '@urql/core';
import type { Client as WsClient } from 'graphql-ws';
import { background } from '../background.ts';
import { EventsSubscription, type ChatEvent } from '../graphql/documents/events.ts';
import type { Message, User } from '../graphql/documents/fragments.ts';
import type { ChangeAnswers } from './change-answers.ts';
import { EventStream, type SubscribeEvents } from './event-stream.ts';
import type { Inbox } from './inbox.svelte.ts';
import type { Outbox } from './outbox.svelte.ts';
import type { PresenceBook } from './presence.svelte.ts';
import type { Privacy } from './privacy.svelte.ts';
import type { ProfileBook } from './profiles.svelte.ts';
import type { ReadMarker } from './read-marker.ts';
import type { TypingBook } from './typing.svelte.ts';

/** Where the events go. */
export interface Routes {
  me: User;
  inbox: Inbox;
  outbox: Outbox;
  reads: ReadMarker;
  typing: TypingBook;
  presence: PresenceBook;
  profiles: ProfileBook;
  privacy: Privacy;
  answers: ChangeAnswers;
}

/** Whether a message from the stream names the viewer (the server's parse: by name, or everyone). */
const mentionsOf = (message: { mentions: Array<{ id: string }>; mentionsEveryone: boolean }, me: User) =>
  message.mentionsEveryone || message.mentions.some((user) => user.id === me.id);

/** `events(after)` over urql's subscription (the graphql-ws socket). */
const subscribeOver =
  (urql: UrqlClient): SubscribeEvents =>
  (after, onEvent, onExpired) => {
    const subscription = urql.subscription(EventsSubscription, { after }).subscribe((result) => {
      if (result.data) onEvent(result.data.events);
      else if (result.error?.graphQLErrors.some((error) => error.extensions.code === 'CURSOR_EXPIRED'))
        onExpired();
    });
    return () => subscription.unsubscribe();
  };

/**
 * The app's one `events` subscription, and where each event goes: messages and their changes into
 * the chat list and the open conversation (ours also out of the outbox), read, membership and conversation
 * changes into the list, typing and presence into their books. The stream pauses while the
 * socket is down and resumes after the last message it had; what is live only comes fresh.
 */
export class EventRouter {
  readonly #stream: EventStream;
  #incoming: ((message: Message) => void) | null = null;

  constructor(
    urql: UrqlClient,
    private readonly to: Routes,
  ) {
    this.#stream = new EventStream(
      subscribeOver(urql),
      (event) => this.#route(event),
      () => background(this.#resumed(), 'Catching up after a reconnection'),
    );
  }

  /** Subscribes, following the socket (paused while down, resumed when back); returns a function that stops. */
  start(ws: WsClient): () => void {
    const stops = [
      ws.on('closed', () => this.#stream.pause()),
      ws.on('connected', () => this.#stream.resume()),
    ];
    this.#stream.start();
    return () => {
      this.#stream.stop();
      stops.forEach((stop) => stop());
    };
  }

  /** Calls `listener` with each text message someone else sent (for a desktop notification); returns a function that stops. */
  onIncoming(listener: (message: Message) => void): () => void {
    this.#incoming = listener;
    return () => {
      if (this.#incoming === listener) this.#incoming = null;
    };
  }

  /**
   * Every stored message, from the stream or a send's answer: into the list and the open
   * conversation, once. `mentionsMe`: it names the viewer (the stream says so of new messages).
   */
  message(message: Message, mentionsMe = false) {
    const { me, inbox, outbox, reads } = this.to;
    const id = message.conversation.id;
    // Ours, stored (seen live, or a send's answer): no longer on its way.
    if (message.clientId && message.sender.id === me.id) outbox.remove(message.clientId);
    const open = inbox.showing(id);
    open?.receive(message);
    if (!inbox.list.onMessage(message, me, open !== null && reads.visible, mentionsMe)) {
      // A conversation new to the list: fetch its row, then show the message if it is the open new chat.
      background(
        inbox.fetch(id).then((summary) => {
          if (inbox.startsOpenChat(summary)) this.message(message);
        }),
        'Loading a conversation',
      );
    }
    if (open) background(reads.mark(), 'Marking the conversation read');
  }

  /**
   * A message as it now is (edited, deleted, its reactions), from the stream or a change's answer:
   * replaces the one shown. One not loaded is left alone, but for the chat list's last message,
   * unless it is newer than everything shown: written while the stream was away, it is new here.
   */
  updated(message: Message, mentionsMe = false) {
    const { me, inbox } = this.to;
    const id = message.conversation.id;
    // The open conversation may hold it already even when the list's row is behind: it changes there either way.
    inbox.showing(id)?.absorb(message);
    if (inbox.list.isNew(message)) return this.message(message, mentionsMe);
    if (!inbox.list.onUpdated(message, me)) background(inbox.fetch(id), 'Loading a conversation');
  }

  #route(event: ChatEvent) {
    const { me, inbox, typing, presence, answers } = this.to;
    switch (event.__typename) {
      case 'MessageEvent': {
        const { message } = event;
        if (message.sender.id !== me.id && message.kind === 'TEXT') this.#incoming?.(message);
        return this.message(message, mentionsOf(message, me));
      }
      case 'MessageUpdatedEvent':
        answers.streamed(event.message.id);
        return this.updated(event.message, mentionsOf(event.message, me));
      case 'ReadEvent':
        inbox.showing(event.conversation.id)?.onRead(event.user.id, event.lastReadMessageId);
        if (
          event.user.id === me.id &&
          !inbox.list.onOwnRead(event.conversation.id, event.lastReadMessageId)
        ) {
          background(inbox.fetch(event.conversation.id), 'Loading a conversation');
        }
        return;
      case 'MembershipEvent':
        if (event.user.id === me.id && event.change !== 'ADDED') return inbox.removed(event.conversation.id);
        return background(
          Promise.all([
            inbox.showing(event.conversation.id)?.loadMembers(),
            inbox.fetch(event.conversation.id),
          ]),
          'Loading a conversation',
        );
      case 'ConversationEvent':
        return inbox.list.upsert(event.conversation);
      case 'TypingEvent':
        if (event.user.id !== me.id) typing.onEvent(event.conversation.id, event.user, event.typing);
        return;
      case 'PresenceEvent':
        return presence.onEvent(event.user.id, event.presence);
      case 'ProfileEvent':
        return this.to.profiles.onEvent(event.user);
      case 'RelationshipEvent':
        // Someone blocked or unblocked the viewer (or the viewer did, in another tab), or changed presence sharing.
        presence.onEvent(event.user.id, event.user.presence);
        return background(this.to.privacy.changed(), 'Loading the privacy changes');
    }
  }

  /**
   * Back after a cut: the stream replays the messages missed since its cursor; the list
   * (read and membership changes are live only) comes fresh from the server. Without a
   * cursor nothing is replayed, so the open conversation reloads its newest page.
   */
  async #resumed() {
    const { inbox } = this.to;
    const catchUp = this.#stream.cursor === null ? inbox.conversation?.catchUp() : undefined;
    await Promise.all([catchUp, inbox.conversation?.loadMembers(), inbox.refresh()]);
  }
}
