import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { validateEmoji } from '../../domain/emoji.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import { parseMentions } from '../../domain/mentions.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { validateBody } from '../../domain/validation.ts';
import type { Background } from '../../lib/background.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { lockConversation, type MessageRow } from '../timeline/timeline.sql.ts';
import { publishChange, toView } from '../timeline/timeline.ts';
import {
  bumpDeleted,
  bumpEdited,
  changeReaction,
  eraseDetails,
  forgetMentions,
  keepRevision,
  memberRole,
  mention,
  messageForChange,
  type ChangedRow,
} from './changes.sql.ts';
import type { MessageDetails } from './details.ts';

export interface ChangeLimits {
  maxBodyLength: number;
  /** MESSAGE_EDIT_WINDOW: how long after sending a message may be edited. */
  editWindowMs: number;
}

/** Edits a message takes at most. */
export const MAX_EDITS = 20;
/** Different emoji on one message at most. */
export const MAX_REACTION_EMOJI = 20;

const forbidden = (message: string) => new AppError('FORBIDDEN', message);
const noSuchMessage = (field: string) => new AppError('NOT_FOUND', 'There is no such message.', { field });

type Found = MessageRow & { editCount: number; writtenAt: Date };

/**
 * Changes to sent messages: edits, deletions for everyone, reactions. Each is one transaction
 * on the conversation's lock that checks the rules against the row as it is, changes it, and
 * gives it a new position in the conversation's log in its last statement, so every member's
 * `events` stream carries the change in order with the messages, and a resume brings the latest
 * state of whatever changed. A change that changes nothing (the same text, a reaction already
 * there) takes no position and tells nobody.
 */
export class MessageChanges {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly users: UserDirectory,
    private readonly blocks: BlockService,
    private readonly details: MessageDetails,
    private readonly rateLimits: RateLimits,
    private readonly background: Background,
    private readonly limits: ChangeLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The sender changes the text of their own text message, within the edit window and at most
   * MAX_EDITS times; every member may read the earlier texts. Mentions follow the new text.
   */
  async edit(conversation: ConversationRef, messageId: string, rawBody: string): Promise<MessageView> {
    const body = validateBody(rawBody, this.limits.maxBodyLength);
    await this.#mayChange(conversation);
    return this.#change(conversation, messageId, async (client, found) => {
      if (found.senderId !== conversation.viewer.id) throw forbidden('Only its sender can edit a message.');
      if (found.kind !== 'TEXT') throw forbidden('Only a message people wrote can be edited.');
      if (found.deletedAt) throw forbidden('This message was deleted.');
      if (found.createdAt.getTime() + this.limits.editWindowMs < this.now())
        throw forbidden('This message is too old to edit.');
      if (found.editCount >= MAX_EDITS) throw forbidden(`A message can be edited at most ${MAX_EDITS} times.`);
      if (found.body === body) return null;
      const { keys, everyone } = parseMentions(body);
      const mentionsEveryone = everyone && conversation.kind === 'GROUP';
      await keepRevision(client, messageId, found.body, found.writtenAt);
      await forgetMentions(client, messageId);
      await mention(client, messageId, conversation.id, found.senderId, found.seq, keys, mentionsEveryone);
      return bumpEdited(client, conversation.id, messageId, body, mentionsEveryone);
    });
  }

  /** Until when `viewer` may edit `message`; null when they may not at all. */
  editableUntil(viewer: UserRef, message: MessageView): Date | null {
    if (message.sender.id !== viewer.id || message.kind !== 'TEXT' || message.deletedAt !== null) return null;
    return new Date(message.createdAt.getTime() + this.limits.editWindowMs);
  }

  /**
   * Deletes for everyone: its sender at any time, and in a group its owner too. The message
   * stays as a tombstone in its place; its text, earlier texts, reactions and mentions are gone
   * from the database. Deleting twice answers the same tombstone.
   */
  async delete(conversation: ConversationRef, messageId: string): Promise<MessageView> {
    await this.rateLimits.consumeSend(conversation.viewer.id);
    return this.#delete(conversation, messageId);
  }

  /**
   * Deletes one of the viewer's own messages for everyone, as `delete` does, without counting
   * against the send limits, member still or not: erasing a deleted account's messages.
   */
  async erase(conversation: ConversationRef, messageId: string): Promise<void> {
    await this.#delete(conversation, messageId);
  }

  #delete(conversation: ConversationRef, messageId: string): Promise<MessageView> {
    return this.#change(conversation, messageId, async (client, found) => {
      if (found.kind !== 'TEXT') throw forbidden('Only a message people wrote can be deleted.');
      if (found.deletedAt) return null;
      if (found.senderId !== conversation.viewer.id) {
        const [member] = await memberRole(client, conversation.id, conversation.viewer.id);
        if (conversation.kind !== 'GROUP' || member?.role !== 'OWNER')
          throw forbidden("Only its sender, or a group's owner, can delete a message.");
      }
      await eraseDetails(client, messageId);
      return bumpDeleted(client, conversation.id, messageId, found.seq);
    });
  }

  /** Adds the viewer's reaction; one per person and emoji, MAX_REACTION_EMOJI different emoji a message. */
  react(conversation: ConversationRef, messageId: string, emoji: string): Promise<MessageView> {
    return this.#changeReaction(conversation, messageId, emoji, true);
  }

  /** Takes the viewer's reaction back; taking back one that is not there changes nothing. */
  unreact(conversation: ConversationRef, messageId: string, emoji: string): Promise<MessageView> {
    return this.#changeReaction(conversation, messageId, emoji, false);
  }

  async #changeReaction(conversation: ConversationRef, messageId: string, rawEmoji: string, adding: boolean) {
    const emoji = validateEmoji(rawEmoji);
    await this.#mayChange(conversation);
    const { viewer } = conversation;
    const [result] = await changeReaction(this.pool, conversation.id, messageId, viewer.id, emoji, adding, MAX_REACTION_EMOJI);
    const { outcome, memberIds, reactions, mentionIds, ...row } = result!;
    switch (outcome) {
      case 'not-found':
        throw noSuchMessage('messageId');
      case 'not-text':
        throw badInput('messageId', 'Only a message people wrote takes reactions.');
      case 'deleted':
        throw badInput('messageId', 'This message was deleted.');
      case 'too-many':
        throw badInput('emoji', `A message takes at most ${MAX_REACTION_EMOJI} different emoji.`);
    }
    const carried = { reactions: reactions!, mentionIds: mentionIds! };
    return this.#answer(conversation, row as MessageRow, carried, outcome === 'changed' ? memberIds! : undefined);
  }

  /** Changes count against the send limits; in a direct conversation a block forbids them, as it does sends. */
  async #mayChange(conversation: ConversationRef) {
    await this.rateLimits.consumeSend(conversation.viewer.id);
    const { viewer, peer } = conversation;
    if (peer && (await this.blocks.between(viewer.id, peer.id)))
      throw forbidden(`You can't message ${peer.username}: one of you has blocked the other.`);
  }

  /**
   * Runs `work` on the message under its conversation's lock. Its result is the new state
   * (its last statement), or null for no change; after the commit, a change is told to every
   * member. Answers the message as it now is.
   */
  async #change(
    conversation: ConversationRef,
    messageId: string,
    work: (client: pg.PoolClient, found: Found) => Promise<ChangedRow[] | null>,
  ): Promise<MessageView> {
    const { changed, found } = await inTransaction(this.pool, async (client) => {
      await lockConversation(client, conversation.id);
      const [row] = await messageForChange(client, messageId, conversation.id);
      if (!row) throw noSuchMessage('id');
      return { found: row, changed: (await work(client, row))?.[0] };
    });
    if (!changed) return this.#answer(conversation, found);
    const { memberIds, reactions, mentionIds, ...row } = changed;
    return this.#answer(conversation, row, { reactions, mentionIds }, memberIds);
  }

  /**
   * The message as it now is, completed with what the change carries (or loaded); a change is
   * told, after its commit, to `tell` (every member).
   */
  async #answer(
    conversation: ConversationRef,
    row: MessageRow,
    carried?: Pick<ChangedRow, 'reactions' | 'mentionIds'>,
    tell?: number[],
  ): Promise<MessageView> {
    const senders = await this.users.byIds([row.senderId]);
    const [message] = await this.details.complete([{ ...toView(conversation, row, senders), ...carried }]);
    if (tell) this.background(publishChange(this.bus, message!, tell), 'publishing a change');
    return message!;
  }
}
