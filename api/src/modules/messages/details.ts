import type pg from 'pg';
import type { AttachmentView, MessageView, ReactionView } from '../../domain/messages.ts';
import { attachmentsOf } from '../files/files.sql.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { toView } from '../timeline/timeline.ts';
import { messagesByIds, namedMentionsOf, reactionsOf, revisionsOf } from './details.sql.ts';

export interface RevisionView {
  body: string;
  /** When this text was written: the message's time for the first, the edit's for the others. */
  writtenAt: Date;
}

const groupBy = <Row extends { messageId: string }, Value>(
  ids: readonly string[],
  rows: readonly Row[],
  value: (row: Row) => Value,
): Map<string, Value[]> => {
  const byId = new Map<string, Value[]>(ids.map((id) => [id, []]));
  for (const row of rows) byId.get(row.messageId)?.push(value(row));
  return byId;
};

/**
 * What a message carries beside its row: reactions, mentions, earlier texts and the message it
 * answers. Read in batches, one statement each for any number of messages (a history page's,
 * or one change's), never one per message.
 */
export class MessageDetails {
  constructor(
    private readonly pool: pg.Pool,
    private readonly users: UserDirectory,
  ) {}

  async reactions(messageIds: readonly string[]): Promise<Map<string, ReactionView[]>> {
    const rows = messageIds.length === 0 ? [] : await reactionsOf(this.pool, [...messageIds]);
    return groupBy(messageIds, rows, ({ emoji, userIds }) => ({ emoji, userIds }));
  }

  async mentions(messageIds: readonly string[]): Promise<Map<string, number[]>> {
    const rows = messageIds.length === 0 ? [] : await namedMentionsOf(this.pool, [...messageIds]);
    const byId = new Map<string, number[]>(messageIds.map((id) => [id, []]));
    for (const row of rows) byId.set(row.messageId, row.userIds);
    return byId;
  }

  async attachments(messageIds: readonly string[]): Promise<Map<string, AttachmentView[]>> {
    const rows = messageIds.length === 0 ? [] : await attachmentsOf(this.pool, [...messageIds]);
    return groupBy(messageIds, rows, ({ messageId: _, ...attachment }) => attachment);
  }

  async revisions(messageIds: readonly string[]): Promise<Map<string, RevisionView[]>> {
    const rows = await revisionsOf(this.pool, [...messageIds]);
    return groupBy(messageIds, rows, ({ body, writtenAt }) => ({ body, writtenAt }));
  }

  /**
   * The messages `replies` answer, as they are now, keyed by the reply's id. The answered
   * message is in the reply's conversation, so the reply says who its receiver is.
   */
  async repliedTo(replies: readonly MessageView[]): Promise<Map<string, MessageView | null>> {
    const wanted = replies.filter((reply) => reply.replyToId !== null);
    const rows = wanted.length === 0 ? [] : await messagesByIds(this.pool, wanted.map((reply) => reply.replyToId!));
    const byId = new Map(rows.map((row) => [row.id, row]));
    const senders = await this.users.byIds(rows.map((row) => row.senderId));
    return new Map(
      replies.map((reply) => {
        const row = reply.replyToId === null ? undefined : byId.get(reply.replyToId);
        // A direct conversation's two people are the reply's sender and receiver, in some order.
        const people = reply.receiver && { viewer: reply.sender, peer: reply.receiver };
        return [reply.id, row ? toView(people ?? { viewer: reply.sender, peer: null }, row, senders) : null];
      }),
    );
  }

  /** The same messages, carrying their mentions, reactions, attachments and answered message (what a delivery needs). */
  async complete(messages: readonly MessageView[]): Promise<MessageView[]> {
    const ids = (wanting: (message: MessageView) => boolean) => messages.filter(wanting).map((message) => message.id);
    const [mentions, reactions, attachments, replied] = await Promise.all([
      this.mentions(ids((message) => message.mentionIds === undefined)),
      this.reactions(ids((message) => message.reactions === undefined)),
      this.attachments(ids((message) => message.attachments === undefined)),
      this.repliedTo(messages.filter((message) => message.replyTo === undefined)),
    ]);
    return messages.map((message) => ({
      ...message,
      mentionIds: message.mentionIds ?? mentions.get(message.id) ?? [],
      reactions: message.reactions ?? reactions.get(message.id) ?? [],
      attachments: message.attachments ?? attachments.get(message.id) ?? [],
      replyTo: message.replyTo !== undefined ? message.replyTo : (replied.get(message.id) ?? null),
    }));
  }
}
