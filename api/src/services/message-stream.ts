import type { Logger } from 'pino';
import { LiveQueue } from '../delivery/live-queue.ts';
import { OrderedStream } from '../delivery/ordered-stream.ts';
import { messageFromWire } from '../events.ts';
import type { EventBus } from '../pubsub.ts';
import type { UserRef } from './users.ts';
import type { ConversationRef } from './conversations.ts';
import type { MessageService, MessageView } from './messages.ts';

/**
 * The live message streams every transport delivers from. Each stream is
 * owned by a socket (its `signal`), holds at most `bufferSize` undelivered
 * events, and never lets a bus listener block or throw.
 */
export class MessageStreams {
  constructor(
    private readonly bus: EventBus,
    private readonly messages: MessageService,
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
      readAfter: (seq, limit) => this.messages.listAfter(conversation, seq, limit),
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
      const start = afterSeq ?? (await this.messages.headSeq(conversation));
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
