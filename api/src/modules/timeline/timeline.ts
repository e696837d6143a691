import pg from 'pg';
import type { Queryable } from '../../db/client.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import type { MessageKind, MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { wireMessage } from '../../domain/wire-events.ts';
import type { EventBus } from '../../realtime/bus.ts';
import { writeMessageRow, type MessageRow } from './timeline.sql.ts';

/** A line to write into a conversation's timeline: a person's message or the server's SYSTEM line. */
export interface TimelineLine {
  conversationId: number;
  sender: UserRef;
  kind: MessageKind;
  body: string;
  clientId?: string | null;
  /** Off for the line that records someone leaving: they are no longer a member when it is written. */
  requireMember?: boolean;
  /** A direct conversation's other person: nothing is written while either has blocked the other. */
  directPeer?: number | null;
  /** Members whose read position moves to this line: the sender of a text, the newcomers a line adds. */
  readers?: readonly number[];
  /** A message of the same conversation, not deleted, that this one answers. */
  replyToId?: string | null;
  /** Username keys the body names (`parseMentions`); the members among them are mentioned. */
  mentionedKeys?: readonly string[];
  /** @all or @everyone in a group: every member but the sender is mentioned. */
  mentionsEveryone?: boolean;
  /** Uploads the send claimed (`FileService.claim`, under the same transaction): attached in order. */
  attachmentIds?: readonly string[];
}

/** Whether a send failed because this sender already stored a message with this clientId. */
const isClientIdTaken = (error: unknown) =>
  error instanceof pg.DatabaseError &&
  error.code === '23505' &&
  error.constraint === 'messages_sender_id_client_id_key';

/**
 * The one statement every message and timeline line is written with, on
 * node-postgres by name. Into a group it runs in a transaction that holds
 * `lockConversation` already: a statement that waits for the lock itself keeps
 * the snapshot it started with (READ COMMITTED), so its membership check and
 * member list would predate a removal committed while it waited. A direct
 * conversation's members never change, and there the statement's own UPDATE
 * takes the lock. It checks the sender is a member and the clientId is new,
 * takes the next seq and the time under that lock, and inserts: concurrent
 * sends to one conversation commit in seq order, with createdAt never earlier
 * than the previous message's, so a resume cursor never skips a row and times
 * never go backwards. A direct message is refused while either person has
 * blocked the other. It returns the members to tell, as of the lock.
 *
 * It is always the last statement of its transaction, so the time it stamps is
 * at most `commitSkewMs` (db/client.ts) before its commit: the bound the
 * `events` stream's cursor rests on.
 *
 * A retry racing the first copy fails the insert on the unique (sender,
 * clientId) index, which undoes the whole statement, the seq bump included:
 * the row is then null, as it is for a non-member, a block or a known clientId.
 * The members come back either way, so a retry can tell them again without
 * another query.
 */
export async function writeMessage(
  db: Queryable,
  line: TimelineLine,
): Promise<{ row: MessageRow | null; memberIds: number[]; mentionIds: number[]; sender: UserRef; pushable: boolean }> {
  const [written] = await writeMessageRow(
    db,
    line.conversationId,
    line.requireMember ?? true,
    line.sender.id,
    line.clientId ?? null,
    line.directPeer ?? null,
    line.kind,
    line.body,
    [...(line.readers ?? [])],
    line.replyToId ?? null,
    [...(line.mentionedKeys ?? [])],
    line.mentionsEveryone ?? false,
    [...(line.attachmentIds ?? [])],
  ).catch((error: unknown) => {
    if (isClientIdTaken(error)) return [];
    throw error;
  });
  const sender = { id: line.sender.id, username: line.sender.username };
  if (!written) return { row: null, memberIds: [], mentionIds: [], sender, pushable: false };
  const { memberIds, mentionIds, senderName, pushable, ...row } = written;
  return {
    row: row.id === null ? null : row,
    memberIds,
    mentionIds,
    sender: { ...sender, displayName: senderName },
    pushable,
  };
}

/** A stored row as a message of `conversation`, whose members include `senders`. */
export function toView(
  conversation: Pick<ConversationRef, 'viewer' | 'peer'>,
  row: MessageRow,
  senders: ReadonlyMap<number, UserRef>,
): MessageView {
  const sender = senders.get(row.senderId) ?? { id: row.senderId, username: '' };
  const { peer, viewer } = conversation;
  const { senderId, ...fields } = row;
  return { ...fields, sender, receiver: peer === null ? null : senderId === viewer.id ? peer : viewer };
}

/** Tells every member, after the commit. Published again on a retry too: that repairs a lost publish. */
export function publishMessage(bus: EventBus, message: MessageView, memberIds: readonly number[]) {
  return bus.publishToUsers(memberIds, { type: 'message', ...wireMessage(message) });
}

/** Tells every member a message changed (its whole new state), after the commit. */
export function publishChange(bus: EventBus, message: MessageView, memberIds: readonly number[]) {
  return bus.publishToUsers(memberIds, { type: 'message-updated', ...wireMessage(message) });
}
