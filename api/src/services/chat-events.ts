import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import {
  decodePosition,
  encodePosition,
  MergedLogStream,
  type LogEntry,
  type MergedPosition,
} from '../delivery/merged-log-stream.ts';
import {
  messageFromWire,
  type ConversationWireEvent,
  type MembershipWireEvent,
  type PresenceWireEvent,
  type ReadWireEvent,
  type TypingWireEvent,
} from '../events.ts';
import type { EventBus } from '../pubsub.ts';
import { badInput } from './errors.ts';
import type { MessageService, MessageView } from './messages.ts';
import type { UserRef } from './users.ts';

/** A message as an entry of its conversation's log. */
export interface MessageEntry extends LogEntry {
  message: MessageView;
}

/** What `events` carries besides messages: live only. */
export type PassThroughEvent =
  ReadWireEvent | MembershipWireEvent | ConversationWireEvent | TypingWireEvent | PresenceWireEvent;

export type ChatEventStream = MergedLogStream<MessageEntry, PassThroughEvent>;

/**
 * How long a send may take from its timestamp to its commit, with a wide
 * margin: sends are single statements under the database's statement timeout.
 */
export const COMMIT_SKEW_MS = 60_000;

const entryOf = (message: MessageView): MessageEntry => ({
  log: message.conversationId,
  seq: message.seq,
  at: message.createdAt.getTime(),
  message,
});

/**
 * One stream per client of everything that happens to its user: every
 * message of every conversation the user is in, each once and in commit
 * order within its conversation, resumable from the cursor of the last one
 * received; and the read, membership and conversation events, live.
 *
 * The cursor is a watermark time plus the positions of the conversations with
 * messages inside the skew window (see `MergedLogStream`): small for a user of
 * 10,000 conversations, exact without a row per recipient, and the same kind
 * of position as `Message.cursor`, so a message received over HTTP can be
 * resumed from too.
 */
export class ChatEvents {
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly messages: MessageService,
    private readonly log: Logger,
    private readonly bufferSize: number,
  ) {}

  async open(viewer: UserRef, after: string | null, signal: AbortSignal): Promise<ChatEventStream> {
    const start = after === null ? await this.now(viewer) : decodePosition(after);
    if (!start) throw badInput('after', 'This cursor is not one the server gave out.');
    const stream: ChatEventStream = new MergedLogStream(
      {
        readSince: async (since, from, limit, conversationId) =>
          (
            await this.messages.listSince(
              viewer,
              new Date(since),
              from && { createdAt: new Date(from.at), conversationId: from.log, seq: from.seq },
              limit,
              conversationId,
            )
          ).map(entryOf),
        skewMs: COMMIT_SKEW_MS,
        bufferSize: this.bufferSize,
        signal,
        onReadError: (error) => this.log.warn({ err: error }, 'events backfill failed; retrying'),
      },
      start,
    );
    stream.defer(
      this.bus.subscribeToUser(viewer.id, (event) => {
        switch (event.type) {
          case 'message':
            return stream.offerEntry(entryOf(messageFromWire(event)));
          case 'membership':
            if (event.user.id === viewer.id) {
              if (event.change === 'ADDED') stream.reopenLog(event.conversationId);
              else stream.closeLog(event.conversationId, event.seq);
            }
            return stream.offerEvent(event);
          default:
            return stream.offerEvent(event);
        }
      }),
    );
    stream.defer(this.bus.onResync(() => stream.resync()));
    return stream;
  }

  /**
   * The position of "now": the database's clock and the head of every
   * conversation of the viewer's with messages inside the skew window.
   */
  private async now(viewer: UserRef): Promise<MergedPosition> {
    const rows = await this.db.$queryRaw<
      Array<{ now: Date; id: number | null; seq: number | null; at: Date | null }>
    >`
      SELECT clock_timestamp() AS now, c.id, c.last_seq AS seq, c.last_message_at AS at
      FROM (SELECT 1) AS one
      LEFT JOIN conversation_members m ON m.user_id = ${viewer.id}
      LEFT JOIN conversations c ON c.id = m.conversation_id
        AND c.last_message_at > clock_timestamp() - ${COMMIT_SKEW_MS} * interval '1 millisecond'`;
    const logs = new Map<number, { seq: number; at: number }>();
    for (const row of rows) {
      if (row.id !== null && row.seq !== null && row.at !== null)
        logs.set(row.id, { seq: row.seq, at: row.at.getTime() });
    }
    return { watermark: rows[0]!.now.getTime(), logs };
  }

  /** The cursor of one message: resuming from it continues after it in its conversation. */
  static cursorOf(message: MessageView): string {
    const { log, seq, at } = entryOf(message);
    return encodePosition({ watermark: at, logs: new Map([[log, { seq, at }]]) }, COMMIT_SKEW_MS);
  }
}
