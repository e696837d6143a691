import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Database } from '../../db/client.ts';
import type { ConversationFields, ConversationRef, DirectConversation } from '../../domain/conversations.ts';
import { AppError, badInput, noSuchConversation } from '../../domain/errors.ts';
import { conversationIdOf, messageIdOf } from '../../domain/ids.ts';
import type { UserRef } from '../../domain/people.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import {
  authoredAccess,
  authoredMessageIds,
  conversationFacts,
  memberAccess,
  messageAccess,
  type ConversationFacts,
} from './access.sql.ts';

const CACHED_CONVERSATIONS = 100_000;

const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** The only place a `ConversationRef` is made: each caller below has checked what it says it checked. */
const reached = (fields: ConversationFields) => fields as ConversationRef;
const reachedDirect = (fields: ConversationFields & { kind: 'DIRECT'; peer: UserRef }) =>
  fields as DirectConversation;

/**
 * Who may reach which conversation, checked once per request in one named
 * place: a member reaches it (`member`, `tryMember`), a group's members reach
 * its group actions (`group`), two people reach the conversation between them
 * (`openDirect`, `findDirect`), and a send reaches what it names (`sendTarget`).
 * To anyone else a conversation does not exist: NOT_FOUND, whatever the reason.
 */
export class ConversationAccess {
  /** Direct conversations by their pair key: a pair's conversation never changes once made. */
  private readonly directIds = new LRUCache<string, number>({ max: CACHED_CONVERSATIONS });
  /** What never changes about a conversation: its kind and, if direct, its two people. */
  private readonly facts = new LRUCache<number, ConversationFacts>({ max: CACHED_CONVERSATIONS });

  constructor(
    private readonly db: Database,
    private readonly pool: pg.Pool,
    private readonly users: UserDirectory,
  ) {}

  /** The conversation between the viewer and `peerName`, created on first use. */
  async openDirect(viewer: UserRef, peerName: string, field: string): Promise<DirectConversation> {
    const peer = await this.users.findPeer(viewer, peerName, field);
    const key = directKey(viewer.id, peer.id);
    let id = this.directIds.get(key);
    if (id === undefined) {
      id = await this.upsertDirect(key, viewer.id, peer.id);
      this.directIds.set(key, id);
    }
    return reachedDirect({ id, kind: 'DIRECT', viewer, peer });
  }

  private async upsertDirect(key: string, a: number, b: number): Promise<number> {
    const create = () =>
      this.db.conversation.upsert({
        where: { directKey: key },
        create: {
          kind: 'DIRECT',
          directKey: key,
          members: { createMany: { data: [{ userId: a }, { userId: b }] } },
        },
        update: {},
        select: { id: true },
      });
    // Two first messages racing both try to create; the loser finds the winner's row.
    const conversation = await create().catch(create);
    return conversation.id;
  }

  /** The existing conversation with `peerName`, without creating one (reads must not write). */
  async findDirect(viewer: UserRef, peerName: string, field: string): Promise<DirectConversation | null> {
    const peer = await this.users.findPeer(viewer, peerName, field);
    const key = directKey(viewer.id, peer.id);
    let id = this.directIds.get(key);
    if (id === undefined) {
      const existing = await this.db.conversation.findUnique({ where: { directKey: key }, select: { id: true } });
      if (!existing) return null;
      id = existing.id;
      this.directIds.set(key, id);
    }
    return reachedDirect({ id, kind: 'DIRECT', viewer, peer });
  }

  /** The conversation `id` if the viewer is a member; NOT_FOUND otherwise. */
  async member(viewer: UserRef, id: string, field = 'conversationId'): Promise<ConversationRef> {
    const found = await this.tryMember(viewer, id);
    if (!found) throw noSuchConversation(field);
    return found;
  }

  /** The conversation `id` if the viewer is a member; null otherwise. One statement, the peer included. */
  async tryMember(viewer: UserRef, id: string): Promise<ConversationRef | null> {
    const conversationId = conversationIdOf(id);
    if (conversationId === null) return null;
    const [row] = await memberAccess(this.pool, viewer.id, conversationId);
    if (!row) return null;
    const peer = row.peerId === null ? null : { id: row.peerId, username: row.peerName ?? '' };
    return reached({ id: conversationId, kind: row.kind, viewer, peer });
  }

  /**
   * The conversation of message `messageId`, if the viewer is a member of it; NOT_FOUND
   * otherwise, as for a message that does not exist.
   */
  async ofMessage(viewer: UserRef, messageId: string, field = 'id'): Promise<ConversationRef> {
    const notFound = () => new AppError('NOT_FOUND', 'There is no such message.', { field });
    if (messageIdOf(messageId) === null) throw notFound();
    const [row] = await messageAccess(this.pool, viewer.id, messageId);
    if (!row) throw notFound();
    const peer = row.peerId === null ? null : { id: row.peerId, username: row.peerName ?? '' };
    return reached({ id: row.conversationId, kind: row.kind, viewer, peer });
  }

  /**
   * Every conversation in which the viewer wrote a text message not yet deleted, whether they
   * are still a member or not: their own messages, which erasing their account deletes.
   */
  async authored(viewer: UserRef): Promise<ConversationRef[]> {
    const rows = await authoredAccess(this.pool, viewer.id);
    return rows.map((row) =>
      reached({
        id: row.id,
        kind: row.kind,
        viewer,
        peer: row.peerId === null ? null : { id: row.peerId, username: row.peerName ?? '' },
      }),
    );
  }

  /** The next `limit` of the viewer's own undeleted text messages in `conversation`. */
  async authoredMessages(conversation: ConversationRef, limit: number): Promise<string[]> {
    return (await authoredMessageIds(this.pool, conversation.id, conversation.viewer.id, limit)).map((row) => row.id);
  }

  /** A group the viewer is a member of; a direct conversation is refused (it has exactly its two people). */
  async group(viewer: UserRef, id: string): Promise<ConversationRef> {
    const conversation = await this.member(viewer, id);
    if (conversation.kind !== 'GROUP')
      throw badInput('conversationId', 'A direct conversation has exactly its two people.');
    return conversation;
  }

  /**
   * The conversation a send names, from what never changes about it (cached):
   * a direct one's two people, or that it is a group. A group's membership
   * does change, and the write itself checks it under the conversation's lock
   * (see `writeMessage`), so a send needs no query of its own to check it.
   */
  async sendTarget(viewer: UserRef, id: string, field: string): Promise<ConversationRef> {
    const conversationId = conversationIdOf(id);
    if (conversationId === null) throw noSuchConversation(field);
    let facts = this.facts.get(conversationId);
    if (!facts) {
      const [row] = await conversationFacts(this.pool, conversationId);
      if (!row) throw noSuchConversation(field);
      facts = row;
      this.facts.set(conversationId, facts);
    }
    if (facts.kind === 'GROUP') return reached({ id: conversationId, kind: 'GROUP', viewer, peer: null });
    const members = facts.directMembers ?? [];
    const peerId = members.find((member) => member !== viewer.id);
    if (peerId === undefined || !members.includes(viewer.id)) throw noSuchConversation(field);
    const peer = (await this.users.byIds([peerId])).get(peerId);
    if (!peer) throw noSuchConversation(field);
    return reached({ id: conversationId, kind: 'DIRECT', viewer, peer });
  }
}
