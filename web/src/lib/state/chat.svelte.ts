import { SvelteSet } from 'svelte/reactivity';
import type { Transport } from '../graphql/client.ts';
import { InboxSubscription, MeQuery, type Message, type User } from '../graphql/documents.ts';
import { Connection } from './connection.svelte.ts';
import { Conversation } from './conversation.svelte.ts';
import { People } from './people.svelte.ts';

/** Who a message is with, from the viewer's side. */
export const peerOf = (message: Message, me: User) =>
  message.sender.id === me.id ? message.receiver.username : message.sender.username;

/** The signed-in chat: who I am, the people, the open conversation, unread marks, the connection. */
export class ChatApp {
  readonly connection = new Connection();
  readonly people: People;
  readonly unread = new SvelteSet<string>();
  #me = $state<User | null>(null);
  #conversation = $state<Conversation | null>(null);
  #stops: Array<() => void> = [];

  constructor(private readonly transport: Transport) {
    this.people = new People(transport.urql);
    // Watch from the start: the socket opens on its own while we are still asking who we are.
    this.#stops.push(this.connection.watch(transport.ws));
  }

  get me() {
    return this.#me;
  }
  get conversation() {
    return this.#conversation;
  }

  /** Returns false when there is no session (the caller sends the person to log in). */
  async start(): Promise<boolean> {
    const { urql, ws } = this.transport;
    const result = await urql.query(MeQuery, {}).toPromise();
    const me = result.data?.me;
    if (!me) return false;
    this.#me = me;
    this.#stops.push(
      ws.on('closed', () => this.#conversation?.pause()),
      ws.on('connected', () => this.#conversation?.goLive()),
    );
    const inbox = urql.subscription(InboxSubscription, {}).subscribe((update) => {
      if (update.data) this.#onInbox(update.data.inbox, me);
    });
    this.#stops.push(() => inbox.unsubscribe());
    await this.people.find('');
    return true;
  }

  /** Every message to or from me: unread marks for other conversations, and a safety net for the open one. */
  #onInbox(message: Message, me: User) {
    const peer = peerOf(message, me);
    const open = this.#conversation;
    if (open && open.peer === peer) open.log.receive(message);
    else if (message.sender.id !== me.id) this.unread.add(peer);
  }

  open(peer: string) {
    if (!this.#me || this.#conversation?.peer === peer) return;
    this.#conversation?.close();
    this.unread.delete(peer);
    const conversation = new Conversation(this.transport.urql, this.#me, peer);
    this.#conversation = conversation;
    void conversation.load();
  }

  stop() {
    this.#conversation?.close();
    this.#stops.splice(0).forEach((stop) => stop());
    void this.transport.ws.dispose();
  }
}
