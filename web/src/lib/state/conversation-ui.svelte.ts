import type { Quote } from '../graphql/documents/fragments.ts';
import type { MessageDetails } from '../graphql/documents/messages.ts';
import { usernameKey, type MentionContext } from '../mentions.ts';
import type { Conversation } from './conversation.svelte.ts';
import { quoteOf, type ShownMessage } from './message-log.svelte.ts';
import { canDelete, canEdit, canRespond, lastEditable } from './message-rules.ts';

/** How long a message jumped to from a reply stays highlighted. */
const HIGHLIGHT_MS = 2_000;

/**
 * What the person is doing with the messages of the open conversation: which message's actions
 * menu is open, which one is being edited, what the next message answers, which deletion waits
 * for a confirmation, which message a reply's quote jumped to. One of each at a time.
 */
export class ConversationUi {
  #menu = $state<string | null>(null);
  #editing = $state<string | null>(null);
  #replyTo = $state<Quote | null>(null);
  #deleting = $state<ShownMessage | null>(null);
  #history = $state<ShownMessage | null>(null);
  #highlighted = $state<string | null>(null);
  #highlightTimer: ReturnType<typeof setTimeout> | undefined;

  /** Who can be mentioned here, for highlighting. */
  readonly mentions: MentionContext = $derived.by(() => ({
    members: new Set(this.conversation.members.map((member) => usernameKey(member.user.username))),
    me: usernameKey(this.conversation.me.username),
    group: this.group(),
  }));

  constructor(
    readonly conversation: Conversation,
    /** Whether it is a group. */
    private readonly group: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  get menu() {
    return this.#menu;
  }
  get editing() {
    return this.#editing;
  }
  get replyTo() {
    return this.#replyTo;
  }
  /** The message whose deletion waits for a yes. */
  get deleting() {
    return this.#deleting;
  }
  /** The message whose earlier texts are shown. */
  get history() {
    return this.#history;
  }
  get highlighted() {
    return this.#highlighted;
  }

  canEdit(message: ShownMessage) {
    return canEdit(message, this.conversation.me.id, this.now());
  }
  canDelete(message: ShownMessage) {
    // A group's owner deletes anyone's messages.
    return canDelete(message, this.conversation.me.id, this.conversation.owner);
  }
  canRespond(message: ShownMessage) {
    return canRespond(message);
  }

  openMenu(key: string) {
    this.#menu = key;
  }
  closeMenu() {
    this.#menu = null;
  }

  edit(message: ShownMessage) {
    this.#menu = null;
    if (this.canEdit(message)) this.#editing = message.key;
  }
  /** ↑ in an empty composer: edits my newest message; false when there is none to edit. */
  editLast(): boolean {
    const last = lastEditable(this.conversation.messages, this.conversation.me.id, this.now());
    if (last) this.edit(last);
    return last !== undefined;
  }
  /** Saves an edit; false when the text was not taken (empty, too long, too many waiting). */
  saveEdit(message: ShownMessage, body: string): boolean {
    const taken = this.conversation.edit(message, body);
    if (taken) this.#editing = null;
    return taken;
  }
  cancelEdit() {
    this.#editing = null;
  }

  reply(message: ShownMessage) {
    this.#menu = null;
    if (message.id !== null && canRespond(message)) this.#replyTo = quoteOf({ ...message, id: message.id });
  }
  dropReply() {
    this.#replyTo = null;
  }
  /** Sends the draft with its finished uploads, answering the quoted message if there is one. */
  send(body: string, attachments: readonly string[] = []): boolean {
    const taken = this.conversation.send(body, this.#replyTo, attachments);
    if (taken) this.#replyTo = null;
    return taken;
  }

  react(message: ShownMessage, emoji: string) {
    this.#menu = null;
    if (canRespond(message)) this.conversation.toggleReaction(message, emoji);
  }

  askDelete(message: ShownMessage) {
    this.#menu = null;
    if (this.canDelete(message)) this.#deleting = message;
  }
  /** The confirmation's answer. */
  answerDelete(yes: boolean) {
    if (yes && this.#deleting) this.conversation.remove(this.#deleting);
    this.#deleting = null;
  }

  showHistory(message: ShownMessage | null) {
    this.#history = message;
  }
  details(message: ShownMessage): Promise<MessageDetails | null> {
    return message.id === null ? Promise.resolve(null) : this.conversation.details(message.id);
  }

  /** A reply's quote was clicked: loads older history until the original is shown, and highlights it a moment. */
  async jumpTo(id: string): Promise<boolean> {
    const found = await this.conversation.reveal(id);
    if (found) {
      clearTimeout(this.#highlightTimer);
      this.#highlighted = id;
      this.#highlightTimer = setTimeout(() => (this.#highlighted = null), HIGHLIGHT_MS);
    }
    return found;
  }

  stop() {
    clearTimeout(this.#highlightTimer);
  }
}
