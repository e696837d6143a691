import { Repeater } from '@repeaterjs/repeater';
import type { Logger } from 'pino';
import { messageFromWire, userTopic, type MessageWireEvent } from '../events.ts';
import type { EventBus } from '../pubsub.ts';
import type { DirectConversation, MessageService, MessageView } from './messages.ts';

const BACKFILL_BATCH = 500;
const BACKFILL_RETRY_MS = 1_000;

/**
 * Every message of a conversation after `afterSeq`, each exactly once, in seq
 * (= commit) order: first the stored backlog, then live ones. Live events are
 * at-most-once and may arrive out of order, so each is checked against the
 * cursor: an old one is dropped, one past a gap makes the stream re-read the
 * gap from PostgreSQL, as does a resync after the bus reconnects.
 */
export function messageStream(deps: {
  bus: EventBus;
  messages: MessageService;
  log: Logger;
  conversation: DirectConversation;
  /** The seq to resume after (see `MessageService.seqOf`); the conversation's head when null. */
  afterSeq: number | null;
}): Repeater<MessageView> {
  const { bus, messages, log, conversation } = deps;
  return new Repeater<MessageView>(async (push, stop) => {
    const pending: MessageWireEvent[] = [];
    let cursor = 0;
    let backfillNeeded = true;
    let draining = false;
    let started = false;
    let retryTimer: NodeJS.Timeout | undefined;

    const drain = async () => {
      if (draining || !started) return;
      draining = true;
      try {
        while (backfillNeeded || pending.length > 0) {
          if (backfillNeeded) {
            backfillNeeded = false;
            const backlog = await messages.listAfter(conversation, cursor, BACKFILL_BATCH);
            for (const message of backlog) {
              if (message.seq <= cursor) continue;
              cursor = message.seq;
              await push(message);
            }
            if (backlog.length === BACKFILL_BATCH) backfillNeeded = true;
            continue;
          }
          const event = pending.shift()!;
          if (event.seq <= cursor) continue;
          if (event.seq !== cursor + 1) {
            backfillNeeded = true;
            continue;
          }
          cursor = event.seq;
          await push(messageFromWire(event));
        }
      } catch (error) {
        // The database is away: keep the live stream and try the gap again shortly.
        backfillNeeded = true;
        log.warn({ err: error, conversationId: conversation.id }, 'backfill failed; retrying');
        retryTimer = setTimeout(() => void drain(), BACKFILL_RETRY_MS);
      } finally {
        draining = false;
      }
    };

    // Subscribe before reading the resume point, so nothing committed in between is missed.
    const unsubscribe = await bus.subscribe(userTopic(conversation.viewer.id), (event) => {
      if (event.conversationId !== conversation.id) return;
      pending.push(event);
      void drain();
    });
    const stopResync = bus.onResync(() => {
      backfillNeeded = true;
      void drain();
    });
    try {
      cursor = deps.afterSeq ?? (await messages.headSeq(conversation));
      backfillNeeded = deps.afterSeq !== null;
      started = true;
      void drain();
      await stop;
    } finally {
      clearTimeout(retryTimer);
      stopResync();
      unsubscribe();
    }
  });
}
