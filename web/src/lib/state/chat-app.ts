import { background } from '../background.ts';
import { ChangeAnswers } from './change-answers.ts';
import type { User } from '../graphql/documents/fragments.ts';
import { AvatarsQuery } from '../graphql/documents/people.ts';
import { Drafts } from './drafts.svelte.ts';
import { EventRouter } from './event-router.ts';
import { GroupActions } from './group-actions.ts';
import { Inbox } from './inbox.svelte.ts';
import { MessageSearch } from './message-search.svelte.ts';
import { Notifications } from './notifications.svelte.ts';
import { localOutboxStore, Outbox } from './outbox.svelte.ts';
import { deliverOver } from './outbox-delivery.ts';
import { PresenceBook } from './presence.svelte.ts';
import { ProfileBook } from './profiles.svelte.ts';
import { Privacy } from './privacy.svelte.ts';
import { ReadMarker } from './read-marker.ts';
import type { Session } from './session.ts';
import { TypingBook } from './typing.svelte.ts';

/**
 * The signed-in chat, put together: the chat list and the open conversation (`inbox`), the
 * event stream that keeps them live (`events`), read marking (`reads`), our messages on their
 * way (`outbox`), group actions, typing, presence and privacy. Everything it starts stops with
 * the session.
 */
export class ChatApp {
  readonly typing = new TypingBook();
  readonly presence = new PresenceBook();
  /** People's newest display names, from the stream, and their avatars. */
  readonly profiles: ProfileBook;
  readonly outbox: Outbox;
  /** What was typed and not sent, per conversation. */
  readonly drafts: Drafts;
  readonly inbox: Inbox;
  readonly reads: ReadMarker;
  readonly events: EventRouter;
  readonly groups: GroupActions;
  /** Settings and blocks change what the server shows: the list is loaded again after a change. */
  readonly privacy: Privacy;
  /** Message search, kept while a result is open so Back returns to the results. */
  readonly search: MessageSearch;
  /** Web Push for this browser, activity reports, and each conversation's mute and level. */
  readonly notifications: Notifications;

  constructor(
    readonly session: Session,
    readonly me: User,
  ) {
    const { urql } = session.transport;
    const answers = new ChangeAnswers();
    this.profiles = new ProfileBook(async (ids) => {
      const result = await urql.query(AvatarsQuery, { ids }, { requestPolicy: 'network-only' }).toPromise();
      if (!result.data) throw result.error ?? new Error('No avatars');
      return result.data.usersById;
    });
    this.drafts = new Drafts(me.id);
    this.outbox = new Outbox(
      localOutboxStore(me.id),
      deliverOver(urql, answers, () => session.end('ended')),
      (message, entry) => (entry.op === 'send' ? this.events.message(message) : this.events.updated(message)),
    );
    this.inbox = new Inbox(urql, me, this.outbox, [this.presence, this.profiles], () => this.reads.mark());
    this.reads = new ReadMarker(urql, this.inbox);
    this.privacy = new Privacy(urql, () => background(this.inbox.refresh(), 'Reloading the chat list'));
    this.events = new EventRouter(urql, {
      me,
      inbox: this.inbox,
      outbox: this.outbox,
      reads: this.reads,
      typing: this.typing,
      presence: this.presence,
      profiles: this.profiles,
      privacy: this.privacy,
      answers,
    });
    this.groups = new GroupActions(urql, me, this.inbox);
    this.notifications = new Notifications(urql, this.inbox.list);
    this.search = new MessageSearch(urql);
  }

  /** Goes live: follows the page and the socket, subscribes, then loads the list. */
  async start(browser: Document = document) {
    const { ws } = this.session.transport;
    const outbox = this.outbox;
    const onOnline = () => outbox.kick();
    browser.defaultView?.addEventListener('online', onOnline);
    this.session.onStop(
      this.reads.watch(browser),
      () => browser.defaultView?.removeEventListener('online', onOnline),
      () => outbox.stop(),
      () => this.drafts.stop(),
      // Subscribe before reading the list, so nothing that happens in between is lost.
      this.events.start(ws),
      ws.on('connected', () => outbox.kick()),
      () => this.typing.stop(),
      // A click on a push's notification opens its conversation in this tab.
      this.notifications.start((id) => this.inbox.open({ id })),
    );
    background(this.privacy.load(), 'Loading the privacy settings');
    await this.inbox.refresh();
  }
}
