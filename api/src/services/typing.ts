import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { EventBus } from '../pubsub.ts';
import type { BlockService } from './blocks.ts';
import type { ConversationRef, ConversationService } from './conversations.ts';
import { AppError } from './errors.ts';
import type { UserRef } from './users.ts';

/** Typing lapses by itself this long after the last `true`. */
export const TYPING_LAPSE_MS = 6_000;
/** At most one event per person and conversation in this time, however often a client calls. */
const EVENT_INTERVAL_MS = 1_000;
/** Calls per person past which `setTyping` is refused: generous, a client calls it per keystroke at most. */
const CALLS_PER_WINDOW = 60;
const CALL_WINDOW_SECONDS = 10;
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
 * one event a second per person and conversation; `true` lapses by itself
 * after six seconds, and a sent message ends it. The state lives on the
 * instance that took the call; the events reach every instance over the bus.
 */
export class TypingService {
  private readonly states = new LRUCache<string, TypingState>({ max: TRACKED, dispose: clearTimers });
  private readonly calls = new RateLimiterMemory({ points: CALLS_PER_WINDOW, duration: CALL_WINDOW_SECONDS });
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly conversations: ConversationService,
    private readonly blocks: BlockService,
  ) {}

  /** Hears of messages sent through any instance, which end their senders' typing held here. */
  start() {
    this.unsubscribe = this.bus.onUserEvent((event) => {
      if (event.type === 'message' && event.kind === 'TEXT')
        this.end(`${event.sender.id}:${event.conversationId}`);
    });
  }

  async set(viewer: UserRef, conversationId: string, typing: boolean): Promise<void> {
    try {
      await this.calls.consume(viewer.id);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new AppError('RATE_LIMITED', `Too many typing updates. Try again in ${retryAfterSeconds} s.`, {
        retryAfterSeconds,
      });
    }
    const conversation = await this.conversations.access(viewer, conversationId);
    const key = `${viewer.id}:${conversation.id}`;
    const state = this.states.get(key) ?? { conversation, requested: false, told: false, toldAt: 0 };
    this.states.set(key, state);
    state.requested = typing;
    clearTimeout(state.lapse);
    if (typing) state.lapse = setTimeout(() => this.end(key), TYPING_LAPSE_MS).unref();
    this.flush(state);
  }

  /**
   * A message was sent here: whoever sent it has stopped typing, at once. An
   * instance holding their typing from a `setTyping` sent elsewhere hears the
   * message itself (see `start`).
   */
  stopped(viewer: UserRef, conversationId: number) {
    this.end(`${viewer.id}:${conversationId}`);
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

  /** Tells the others what the person last said, unless they were told something within the last second. */
  private flush(state: TypingState) {
    if (state.requested === state.told) {
      clearTimeout(state.pending);
      state.pending = undefined;
      return;
    }
    const wait = state.toldAt + EVENT_INTERVAL_MS - Date.now();
    if (wait > 0) {
      state.pending ??= setTimeout(() => {
        state.pending = undefined;
        this.flush(state);
      }, wait).unref();
      return;
    }
    state.told = state.requested;
    state.toldAt = Date.now();
    void this.tell(state.conversation, state.told);
  }

  private async tell(conversation: ConversationRef, typing: boolean) {
    const { viewer } = conversation;
    const others = (await this.conversations.memberIds(conversation.id)).filter((id) => id !== viewer.id);
    const blocked = await this.blocks.blockedAmong(viewer.id, others);
    const event = {
      type: 'typing' as const,
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
