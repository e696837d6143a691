import type pg from 'pg';
import type { ConversationRef } from '../../domain/conversations.ts';
import { badInput } from '../../domain/errors.ts';
import { messageIdOf } from '../../domain/ids.ts';
import type { ReadWireEvent } from '../../domain/wire-events.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { UserRef } from '../../domain/people.ts';
import {
  messageInConversation,
  moveReadPosition,
  readCounts,
  receiptReaders,
  viewerShares,
} from './read-positions.sql.ts';

/** Where each member has read up to: kept on the server, so counts survive reloads and devices. */
export class ReadPositions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly blocks: BlockService,
  ) {}

  /**
   * Moves the viewer's read position forward to `messageId` (never back: a
   * mark behind it changes nothing). The other members hear of it unless
   * either side keeps receipts private or blocked the other; the viewer's
   * other tabs always do.
   */
  async markRead(conversation: ConversationRef, messageId: string): Promise<void> {
    const { viewer } = conversation;
    if (messageIdOf(messageId) === null) throw badInput('messageId', 'This is not a message id.');
    const [moved] = await moveReadPosition(this.pool, messageId, conversation.id, viewer.id);
    if (!moved) {
      const [exists] = await messageInConversation(this.pool, messageId, conversation.id);
      if (!exists) throw badInput('messageId', 'This message is not part of the conversation.');
      return;
    }
    const recipients = moved.shares
      ? (await receiptReaders(this.pool, conversation.id, viewer.id)).map((row) => row.id)
      : [viewer.id];
    const blocked = await this.blocks.blockedAmong(viewer.id, recipients);
    const event: ReadWireEvent = {
      type: 'read',
      conversationId: conversation.id,
      user: { id: viewer.id, username: viewer.username },
      lastReadMessageId: messageId,
    };
    await this.bus.publishToUsers(
      recipients.filter((id) => !blocked.has(id)),
      event,
    );
  }

  /**
   * For each message, how many people besides its sender have read it — members and people who
   * have left since — as the viewer may see it; null for every message when the viewer keeps
   * their own receipts private (receipts are reciprocal).
   */
  async readCounts(viewer: UserRef, messageIds: readonly string[]): Promise<Array<number | null>> {
    const [me] = await viewerShares(this.pool, viewer.id);
    if (!me?.shares) return messageIds.map(() => null);
    const counts = new Map(
      (await readCounts(this.pool, [...messageIds], viewer.id)).map((row) => [row.messageId, row.readers]),
    );
    return messageIds.map((id) => counts.get(id) ?? 0);
  }
}
