import type { Client } from '@urql/core';
import { background } from '../background.ts';
import { MarkReadMutation } from '../graphql/documents/conversations.ts';
import type { Inbox } from './inbox.svelte.ts';
import { atOrAfter } from './receipts.ts';

/**
 * Tells the server how far the reader has read: up to the open conversation's newest message,
 * and only while the tab is visible — when the conversation has loaded, when a message comes
 * into it, and when the tab is looked at again.
 */
export class ReadMarker {
  #visible = true;
  #marking: string | null = null;

  constructor(
    private readonly urql: Client,
    private readonly inbox: Inbox,
  ) {}

  /** Whether the reader can see the tab (a message into the open conversation is then read, not unread). */
  get visible() {
    return this.#visible;
  }

  /** Follows the page's visibility; returns a function that stops. */
  watch(browser: Document): () => void {
    const onVisibility = () => {
      this.#visible = browser.visibilityState === 'visible';
      if (this.#visible) background(this.mark(), 'Marking the conversation read');
    };
    browser.addEventListener('visibilitychange', onVisibility);
    onVisibility();
    return () => browser.removeEventListener('visibilitychange', onVisibility);
  }

  /** Marks the open conversation read up to its newest message, once, if the tab is visible and it is not read yet. */
  async mark() {
    const open = this.inbox.conversation;
    const newest = open?.log.newestStored;
    if (!open?.id || !newest?.id || !this.#visible) return;
    const summary = this.inbox.list.get(open.id);
    if (summary && atOrAfter(summary.lastReadMessageId, newest.id)) return;
    const key = `${open.id}:${newest.id}`;
    if (this.#marking === key) return;
    this.#marking = key;
    const result = await this.urql
      .mutation(MarkReadMutation, { conversationId: open.id, messageId: newest.id })
      .toPromise();
    if (result.data) this.inbox.list.upsert(result.data.markRead);
  }
}
