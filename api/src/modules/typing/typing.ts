import { LRUCache } from 'lru-cache';
import type { ConversationRef } from '../../domain/conversations.ts';
import type { TypingWireEvent } from '../../domain/wire-events.ts';
import type { Background } from '../../lib/background.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { ChatList } from '../conversations/chat-list.ts';

export interface TypingTimings {
  /** Typing lapses by itself this long after the last `true`. */
  lapseMs: number;
  /** At most one event per person and conversation in this time, however often a client calls. */
  intervalMs: number;
}

export const defaultTypingTimings: TypingTimings = { lapseMs: 6_000, intervalMs: 1_000 };

const TRACKED = 100_000;

interface TypingState {
  conversation: ConversationRef;
  /** What the person last said. */
  requested: boolean;
  /** What the others were last told. */
  told: boolean;
  toldAt: number;
  lapse?: NodeJS.Timeout;
  pending?: NodeJS.Timeout;
}

const clearTimers = (state: TypingState) => {
  clearTimeout(state.lapse);
  clearTimeout(state.pending);
};

/**
 * "… is typing": never stored, cheap, honest. Calls are collapsed to at most
 * one event per interval per person and conversation; `true` lapses by itself,
 * and a sent message ends it. The state lives on the instance that took the
 * call; the events reach every instance over the bus, and so do the messages
 * that end it, whichever instance sent them.
 */
export class TypingService {
  private readonly states = new LRUCache<string, TypingState>({ max: TRACKED, dispose: clearTimers });
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly chatList: Pick<ChatList, 'memberIds'>,
    private readonly blocks: Pick<BlockService, 'blockedAmong'>,
    private readonly background: Background,
    private readonly timings: TypingTimings = defaultTypingTimings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Hears every message sent, through any instance: it ends its sender's typing held here. */
  start() {
    this.unsubscribe = this.bus.onUserEvent((event) => {
      if (event.type === 'message' && event.kind === 'TEXT') this.end(`${event.sender.id}:${event.conversationId}`);
    });
  }

  set(conversation: ConversationRef, typing: boolean): void {
    const key = `${conversation.viewer.id}:${conversation.id}`;
    const state = this.states.get(key) ?? { conversation, requested: false, told: false, toldAt: -Infinity };
    this.states.set(key, state);
    state.requested = typing;
    clearTimeout(state.lapse);
    if (typing) state.lapse = setTimeout(() => this.end(key), this.timings.lapseMs).unref();
    this.flush(state);
  }

  close() {
    this.unsubscribe?.();
    this.states.clear();
  }

  private end(key: string) {
    const state = this.states.get(key);
    if (!state) return;
    clearTimeout(state.lapse);
    state.requested = false;
    this.flush(state);
  }

  /** Tells the others what the person last said, unless they were told something within the interval. */
  private flush(state: TypingState) {
    if (state.requested === state.told) {
      clearTimeout(state.pending);
      state.pending = undefined;
      return;
    }
    const wait = state.toldAt + this.timings.intervalMs - this.now();
    if (wait > 0) {
      state.pending ??= setTimeout(() => {
        state.pending = undefined;
        this.flush(state);
      }, wait).unref();
      return;
    }
    state.told = state.requested;
    state.toldAt = this.now();
    this.background(this.tell(state.conversation, state.told), 'telling of typing');
  }

  private async tell(conversation: ConversationRef, typing: boolean) {
    const { viewer } = conversation;
    const others = (await this.chatList.memberIds(conversation.id)).filter((id) => id !== viewer.id);
    const blocked = await this.blocks.blockedAmong(viewer.id, others);
    const event: TypingWireEvent = {
      type: 'typing',
      conversationId: conversation.id,
      user: { id: viewer.id, username: viewer.username },
      typing,
    };
    await this.bus.publishToUsers(
      others.filter((id) => !blocked.has(id)),
      event,
    );
  }
}
