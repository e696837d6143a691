import type pg from 'pg';
import type { Logger } from 'pino';
import { AppError, badInput } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import {
  messageFromWire,
  type ConversationWireEvent,
  type MembershipWireEvent,
  type PresenceWireEvent,
  type ProfileWireEvent,
  type ReadWireEvent,
  type RelationshipWireEvent,
  type TypingWireEvent,
} from '../../domain/wire-events.ts';
import type { EventBus } from '../../realtime/bus.ts';
import {
  decodePosition,
  encodePosition,
  MergedLogStream,
  type LogEntry,
  type MergedPosition,
} from '../../realtime/merged-log-stream.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { MessageHistory } from '../messages/history.ts';
import { memberHeads, recentHeads } from './events.sql.ts';
import type { StreamLeases } from './stream-leases.ts';

const cursorExpired = () =>
  new AppError(
    'CURSOR_EXPIRED',
    'This cursor is too old to resume from, or was never given to you: start again from the chat list.',
    { field: 'after' },
  );

/** A message as an entry of its conversation's log. */
export interface MessageEntry extends LogEntry {
  message: MessageView;
}

/** What `events` carries besides messages: live only. */
export type PassThroughEvent =
  | ReadWireEvent
  | MembershipWireEvent
  | ConversationWireEvent
  | TypingWireEvent
  | PresenceWireEvent
  | RelationshipWireEvent
  | ProfileWireEvent;

export type ChatEventStream = MergedLogStream<MessageEntry, PassThroughEvent>;

/**
 * A message's latest state as an entry of its conversation's log: its position and time are
 * those of its last change (or of its writing), so an edit, a deletion or a reaction is an entry
 * too, and a stream that missed the message and its changes gets its latest state once; so does
 * a reader that falls behind while the message keeps changing.
 */
const entryOf = (message: MessageView): MessageEntry => ({
  log: message.conversationId,
  seq: message.streamSeq,
  at: message.streamAt.getTime(),
  // A change's state may give way to a later one; a new message is always delivered as such.
  supersedes: message.version > 1 ? message.id : undefined,
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
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly history: MessageHistory,
    private readonly rateLimits: RateLimits,
    private readonly leases: StreamLeases,
    private readonly log: Logger,
    private readonly options: {
      /** Live events held for a reader that is not reading; past it the stream re-reads PostgreSQL. */
      bufferSize: number;
      /** The longest a write can take from its timestamp to its commit (`commitSkewMs`). */
      commitSkewMs: number;
      /** How old a resume cursor may be (EVENTS_RESUME_WINDOW). */
      resumeWindowMs: number;
    },
  ) {}

  /**
   * Opens the viewer's stream from `after` (or from now). Each person holds at most
   * MAX_EVENT_STREAMS_PER_USER across instances, and every read back from PostgreSQL counts
   * against their backfill budget, so a resume costs the server a bounded amount.
   */
  async open(viewer: UserRef, after: string | null, signal: AbortSignal): Promise<ChatEventStream> {
    const start = after === null ? await this.now(viewer) : await this.resumePoint(viewer, after);
    const release = await this.leases.acquire(viewer.id);
    if (!release)
      throw new AppError('RATE_LIMITED', 'You have too many live event streams open: close some first.');
    const stream: ChatEventStream = new MergedLogStream(
      {
        readSince: async (since, from, limit, conversationId) => {
          await this.rateLimits.waitForBackfill(viewer.id, limit, signal);
          return (
            await this.history.listSince(
              viewer,
              new Date(since),
              from && { streamAt: new Date(from.at), conversationId: from.log, streamSeq: from.seq },
              limit,
              conversationId,
            )
          ).map(entryOf);
        },
        skewMs: this.options.commitSkewMs,
        bufferSize: this.options.bufferSize,
        signal,
        onReadError: (error) => {
          if (!signal.aborted) this.log.warn({ err: error }, 'events backfill failed; retrying');
        },
      },
      start,
    );
    stream.defer(release);
    stream.defer(
      this.bus.subscribeToUser(viewer.id, (event) => {
        switch (event.type) {
          case 'message':
          case 'message-updated':
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
   * Where a resume starts: a cursor this server gave out, inside the resume window (a forged
   * one from 1970 would replay everything), not from the future, and never past the head of a
   * conversation of the viewer's (a position no stream of theirs held). Conversations the
   * viewer is no longer in are passed over: their streams read nothing of them anyway.
   */
  private async resumePoint(viewer: UserRef, after: string): Promise<MergedPosition> {
    const start = decodePosition(after);
    if (!start) throw badInput('after', 'This cursor is not one the server gave out.');
    const now = Date.now();
    const future = now + this.options.commitSkewMs;
    if (start.watermark < now - this.options.resumeWindowMs || start.watermark > future) throw cursorExpired();
    if (start.logs.size === 0) return start;
    const heads = new Map(
      (await memberHeads(this.pool, viewer.id, [...start.logs.keys()])).map((head) => [head.id, head.seq]),
    );
    for (const [log, { seq, at }] of start.logs) {
      const head = heads.get(log);
      if (at > future || (head !== undefined && seq > head)) throw cursorExpired();
    }
    return start;
  }

  /**
   * The position of "now": the database's clock and the head of every
   * conversation of the viewer's with messages inside the skew window.
   */
  private async now(viewer: UserRef): Promise<MergedPosition> {
    const [row] = await recentHeads(this.pool, viewer.id, this.options.commitSkewMs);
    const { now, heads } = row!;
    return {
      watermark: now.getTime(),
      logs: new Map(heads.map((head) => [head.id, { seq: head.seq, at: new Date(head.at).getTime() }])),
    };
  }

  /** The cursor of one message: resuming from it continues after it in its conversation. */
  cursorOf(message: MessageView): string {
    const { log, seq, at } = entryOf(message);
    return encodePosition({ watermark: at, logs: new Map([[log, { seq, at }]]) }, this.options.commitSkewMs);
  }
}
