import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { AppError, badInput } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { messageIdOf } from '../../domain/ids.ts';
import { parseMentions } from '../../domain/mentions.ts';
import { validateBody, validateClientId } from '../../domain/validation.ts';
import type { Background } from '../../lib/background.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { ConversationAccess } from '../conversations/access.ts';
import type { FileService } from '../files/files.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { PushService } from '../push/push.ts';
import { lockConversation, type MessageRow } from '../timeline/timeline.sql.ts';
import { publishMessage, toView, writeMessage } from '../timeline/timeline.ts';
import type { MessageDetails } from './details.ts';
import { messageByClientId, replyTargetIn } from './messages.sql.ts';

/** The message a reply names is not one of the conversation's (or was deleted): nothing more is said. */
const noSuchReplyTarget = () => new AppError('NOT_FOUND', 'There is no such message to reply to.', { field: 'replyTo' });

/** Where a send goes: exactly one of a person (direct) or a conversation. */
export interface SendTarget {
  to?: string | null;
  conversationId?: string | null;
}

/**
 * Sending: the one path every transport's messages take (GraphQL over HTTP
 * and WebSocket, the compat socket). Nothing else writes a person's message.
 */
export class MessageService {
  constructor(
    /** Sends run their statements on the pool by name, prepared once per connection. */
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly access: ConversationAccess,
    private readonly blocks: BlockService,
    private readonly rateLimits: RateLimits,
    private readonly details: MessageDetails,
    private readonly background: Background,
    private readonly maxBodyLength: number,
    private readonly files: FileService,
    private readonly push: Pick<PushService, 'messageSent'>,
  ) {}

  /** The conversation a send goes to: a person (created on first use) or a conversation of the viewer's. */
  async target(viewer: UserRef, target: SendTarget): Promise<ConversationRef> {
    const { to, conversationId } = target;
    if ((to == null) === (conversationId == null))
      throw badInput('to', 'Pass exactly one of to (a username) or conversationId.');
    return to != null
      ? this.access.openDirect(viewer, to, 'to')
      : this.access.sendTarget(viewer, conversationId!, 'conversationId');
  }

  /**
   * Commits the message, then tells every member (see `writeMessage`). It may answer an earlier
   * message of the conversation (`replyToId`), and names members with @username (in a group,
   * everyone with @all or @everyone): the server finds the mentions in the text. It may carry
   * finished uploads of the sender's into this conversation (`attachmentIds`), and then its
   * body may be empty.
   */
  async send(
    viewer: UserRef,
    target: SendTarget | ConversationRef,
    rawBody: string,
    rawClientId?: string | null,
    replyToId: string | null = null,
    attachmentIds: readonly string[] = [],
  ): Promise<MessageView> {
    const attaching = attachmentIds.length > 0;
    const body = attaching && rawBody.trim() === '' ? '' : validateBody(rawBody, this.maxBodyLength);
    const clientId = validateClientId(rawClientId);
    if (replyToId !== null && messageIdOf(replyToId) === null) throw noSuchReplyTarget();
    await this.rateLimits.consumeSend(viewer.id);
    const conversation = 'kind' in target ? target : await this.target(viewer, target);
    const attached = attaching ? await this.files.prepare(conversation, attachmentIds) : [];
    const { keys, everyone } = parseMentions(body);
    const text = {
      conversationId: conversation.id,
      sender: viewer,
      kind: 'TEXT' as const,
      body,
      clientId,
      readers: [viewer.id],
      replyToId,
      mentionedKeys: keys,
      mentionsEveryone: everyone && conversation.kind === 'GROUP',
      attachmentIds: attached,
    };
    // A direct conversation's two people never change: the statement alone takes the lock. A
    // group's members do, so the lock is taken first and the statement sees who is in it now.
    // Uploads are claimed under the lock too, so that each is attached once.
    const directPeer = conversation.peer?.id ?? null;
    const written =
      directPeer !== null && !attaching
        ? await writeMessage(this.pool, { ...text, directPeer })
        : await inTransaction(this.pool, async (client) => {
            await lockConversation(client, conversation.id);
            if (attaching) {
              const [retried] = clientId === null ? [] : await messageByClientId(client, viewer.id, clientId);
              await this.files.claim(client, conversation, attached, retried?.id ?? null);
            }
            return writeMessage(client, { ...text, directPeer });
          });
    const senders = new Map([[viewer.id, written.sender]]);
    const fresh = written.row && {
      ...toView(conversation, written.row, senders),
      mentionIds: written.mentionIds,
      reactions: [],
      ...(!attaching && { attachments: [] }),
    };
    const stored = fresh ?? toView(conversation, await this.findRetried(conversation, clientId, body, replyToId), senders);
    const [message] = await this.details.complete([stored]);
    // Published after the commit, and again for a retry (whose first publish may have been lost);
    // the answer does not wait for it, and the bus never rejects.
    this.background(publishMessage(this.bus, message!, written.memberIds), 'publishing a message');
    // Pushes once, for the first copy (a retry's would repeat it), and only when someone could get one.
    if (fresh && written.pushable) this.background(this.push.messageSent(message!.id), 'queueing pushes');
    return message!;
  }

  /** The first copy of a retried send; CONFLICT when the clientId was used for something else. */
  private async findRetried(
    conversation: ConversationRef,
    clientId: string | null,
    body: string,
    replyToId: string | null,
  ): Promise<MessageRow> {
    const [existing] = clientId === null ? [] : await messageByClientId(this.pool, conversation.viewer.id, clientId);
    if (!existing) {
      if (conversation.peer && (await this.blocks.between(conversation.viewer.id, conversation.peer.id)))
        throw new AppError(
          'FORBIDDEN',
          `You can't message ${conversation.peer.username}: one of you has blocked the other.`,
        );
      if (replyToId !== null && !(await replyTargetIn(this.pool, replyToId, conversation.id)).length)
        throw noSuchReplyTarget();
      // No row and no retry: the viewer left (or was removed) between the access check and the write.
      throw new AppError('NOT_FOUND', 'There is no such conversation.', { field: 'conversationId' });
    }
    if (existing.conversationId !== conversation.id || existing.body !== body) {
      throw new AppError('CONFLICT', 'This clientId was already used for a different message.', {
        field: 'clientId',
      });
    }
    return existing;
  }
}
