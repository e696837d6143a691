import type { Logger } from 'pino';
import type { ConversationRef } from '../../domain/conversations.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { messageFromWire } from '../../domain/wire-events.ts';
import type { EventBus } from '../../realtime/bus.ts';
import { LiveQueue } from '../../realtime/live-queue.ts';
import { OrderedStream } from '../../realtime/ordered-stream.ts';
import type { MessageHistory } from '../messages/history.ts';

/**
 * The live message streams every transport delivers from. Each stream is
 * owned by a socket (its `signal`), holds at most `bufferSize` undelivered
 * events, and never lets a bus listener block or throw.
 */
export class MessageStreams {
  constructor(
    private readonly bus: EventBus,
    private readonly history: MessageHistory,
    private readonly log: Logger,
    /** Live events held for a reader that is not reading; past it the stream re-reads PostgreSQL. */
    private readonly bufferSize: number,
  ) {}

  /**
   * Every message of a conversation after `afterSeq` (its head when null),
   * each exactly once, in seq (= commit) order, with PostgreSQL as the source
   * of truth behind the at-most-once bus.
   */
  async conversation(
    conversation: ConversationRef,
    afterSeq: number | null,
    signal: AbortSignal,
  ): Promise<OrderedStream<MessageView>> {
    // Tied to the socket before the first await: a socket that closes while the
    // head is read still ends the stream and releases its bus listener.
    const stream = new OrderedStream<MessageView>({
      readAfter: (seq, limit) => this.history.listAfter(conversation, seq, limit),
      bufferSize: this.bufferSize,
      signal,
      onReadError: (error) =>
        this.log.warn({ err: error, conversationId: conversation.id }, 'backfill failed; retrying'),
    });
    try {
      const unsubscribe = this.bus.subscribeToUser(conversation.viewer.id, (event) => {
        if (event.type === 'message' && event.conversationId === conversation.id)
          stream.offer(messageFromWire(event));
      });
      stream.defer(unsubscribe);
      stream.defer(this.bus.onResync(() => stream.resync()));
      // Subscribed before reading the head, so nothing committed in between is missed.
      const start = afterSeq ?? (await this.history.headSeq(conversation));
      stream.start(start, { readFirst: afterSeq !== null });
      return stream;
    } catch (error) {
      stream.close();
      throw error;
    }
  }

  /** Every new message to or from `viewer`, live only; the oldest unread are dropped past the buffer. */
  inbox(viewer: UserRef, signal: AbortSignal): LiveQueue<MessageView> {
    const queue = new LiveQueue<MessageView>(this.bufferSize, signal);
    queue.defer(
      this.bus.subscribeToUser(viewer.id, (event) => {
        if (event.type === 'message') queue.offer(messageFromWire(event));
      }),
    );
    return queue;
  }
}
