import type pg from 'pg';
import { inTransaction } from '../../db/client.ts';
import type { ConversationRef } from '../../domain/conversations.ts';
import { AppError, badInput, noSuchConversation } from '../../domain/errors.ts';
import type { MessageView } from '../../domain/messages.ts';
import type { UserRef } from '../../domain/people.ts';
import { characterCount, refuseInvisibleControls } from '../../domain/validation.ts';
import type { MembershipChange, UserWireEvent } from '../../domain/wire-events.ts';
import type { EventBus } from '../../realtime/bus.ts';
import type { BlockService } from '../blocks/blocks.ts';
import type { UserDirectory } from '../people/user-directory.ts';
import { lockConversation } from '../timeline/timeline.sql.ts';
import { publishMessage, toView, writeMessage, type TimelineLine } from '../timeline/timeline.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import {
  currentMembers,
  deleteMember,
  insertGroup,
  insertMembers,
  refusingInvitations,
  setRole,
  setTitle,
} from './groups.sql.ts';

const MAX_TITLE_LENGTH = 100;

function validateTitle(title: string): string {
  const trimmed = refuseInvisibleControls(title, 'title').trim();
  if (trimmed.length === 0 || characterCount(trimmed) > MAX_TITLE_LENGTH) {
    throw badInput('title', `A group's title is 1–${MAX_TITLE_LENGTH} characters.`);
  }
  return trimmed;
}

const names = (users: readonly UserRef[]) =>
  users.length <= 1
    ? (users[0]?.username ?? '')
    : `${users
        .slice(0, -1)
        .map((user) => user.username)
        .join(', ')} and ${users.at(-1)!.username}`;

/** A SYSTEM line of the change, and who to tell of it. */
interface Change {
  line: MessageView;
  memberIds: number[];
}

/**
 * Groups and who is in them. Every change is one transaction that locks the
 * conversation row, changes the members and writes the timeline's SYSTEM line
 * last, so it takes its place in seq order with the messages around it.
 */
export class GroupService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly users: UserDirectory,
    private readonly blocks: BlockService,
    private readonly rateLimits: RateLimits,
    private readonly limits: { maxGroupMembers: number },
  ) {}

  /** A group with the viewer as its owner and `usernames` as members; 2 to `maxGroupMembers` people. */
  async create(viewer: UserRef, rawTitle: string, usernames: readonly string[]): Promise<number> {
    const title = validateTitle(rawTitle);
    const others = await this.resolveMembers(viewer, usernames, 'members');
    if (others.length === 0) throw badInput('members', 'A group needs at least one other member.');
    this.checkSize(others.length + 1, 'members');
    await this.rateLimits.consumeGroupChange(viewer.id, null);
    const { conversationId, ...change } = await inTransaction(this.pool, async (client) => {
      const [{ id }] = (await insertGroup(client, title)) as [{ id: number }];
      await insertMembers(
        client,
        id,
        [viewer.id, ...others.map((user) => user.id)],
        ['OWNER', ...others.map(() => 'MEMBER' as const)],
      );
      const written = await this.writeLine(client, {
        conversationId: id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} created the group "${title}" with ${names(others)}`,
      });
      return { conversationId: id, ...written };
    });
    await this.announce(change.memberIds, { type: 'conversation', conversationId });
    await publishMessage(this.bus, change.line, change.memberIds);
    return conversationId;
  }

  /**
   * Any member may add people to a group; people already in it are left as
   * they are. Newcomers see the whole history, but their read position starts
   * at the line that added them.
   */
  async addMembers(viewer: UserRef, conversation: ConversationRef, usernames: readonly string[]): Promise<void> {
    const candidates = await this.resolveMembers(viewer, usernames, 'usernames');
    await this.rateLimits.consumeGroupChange(viewer.id, conversation.id);
    const changed = await inTransaction(this.pool, async (client) => {
      const current = await this.lockMembers(client, conversation.id);
      const added = candidates.filter((user) => !current.has(user.id));
      if (added.length === 0) return null;
      this.checkSize(current.size + added.length, 'usernames');
      const ids = added.map((user) => user.id);
      await insertMembers(client, conversation.id, ids, ids.map(() => 'MEMBER' as const));
      const written = await this.writeLine(client, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} added ${names(added)}`,
        readers: ids,
      });
      return { added, ...written };
    });
    if (!changed) return;
    for (const user of changed.added)
      await this.announceMembership(changed, conversation.id, user, 'ADDED', viewer);
    await publishMessage(this.bus, changed.line, changed.memberIds);
  }

  /**
   * The owner removes anyone; anyone removes themself (leaves). When the owner
   * leaves, the longest-standing member becomes the owner.
   */
  async removeMember(viewer: UserRef, conversation: ConversationRef, username: string): Promise<void> {
    const target = await this.users.findByUsername(username, 'username');
    const leaving = target.id === viewer.id;
    // Anyone may always leave; removing someone is a change like any other.
    if (!leaving) await this.rateLimits.consumeGroupChange(viewer.id, conversation.id);
    const change = await inTransaction(this.pool, async (client) => {
      const current = await this.lockMembers(client, conversation.id);
      const actor = current.get(viewer.id);
      if (!actor) throw noSuchConversation();
      if (!leaving && actor.role !== 'OWNER')
        throw new AppError('FORBIDDEN', 'Only the owner can remove people from this group.');
      const removed = current.get(target.id);
      if (!removed)
        throw new AppError('NOT_FOUND', `${target.username} is not in this group.`, { field: 'username' });
      await deleteMember(client, conversation.id, target.id);
      // Members come oldest first: the first one left takes over from a departing owner.
      const successor = [...current.values()].find((member) => member.userId !== target.id);
      let body = leaving ? `${viewer.username} left` : `${viewer.username} removed ${target.username}`;
      if (removed.role === 'OWNER' && successor) {
        await setRole(client, conversation.id, successor.userId, 'OWNER');
        const heir = (await this.users.byIds([successor.userId])).get(successor.userId);
        // Said in the timeline, so everyone knows whom to ask now.
        if (heir) body += `; ${heir.username} is now the owner`;
      }
      return this.writeLine(client, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body,
        requireMember: false,
      });
    });
    // The removed person hears of it too: their streams stop carrying the conversation.
    await this.announceMembership(
      { ...change, memberIds: [...change.memberIds, target.id] },
      conversation.id,
      target,
      leaving ? 'LEFT' : 'REMOVED',
      leaving ? null : viewer,
    );
    await publishMessage(this.bus, change.line, change.memberIds);
  }

  /** Only the owner renames a group. */
  async rename(viewer: UserRef, conversation: ConversationRef, rawTitle: string): Promise<void> {
    const title = validateTitle(rawTitle);
    await this.rateLimits.consumeGroupChange(viewer.id, conversation.id);
    const change = await inTransaction(this.pool, async (client) => {
      const current = await this.lockMembers(client, conversation.id);
      if (current.get(viewer.id)?.role !== 'OWNER')
        throw new AppError('FORBIDDEN', 'Only the owner can rename this group.');
      await setTitle(client, conversation.id, title);
      return this.writeLine(client, {
        conversationId: conversation.id,
        sender: viewer,
        kind: 'SYSTEM',
        body: `${viewer.username} renamed the group to "${title}"`,
      });
    });
    await this.announce(change.memberIds, { type: 'conversation', conversationId: conversation.id });
    await publishMessage(this.bus, change.line, change.memberIds);
  }

  /** The change's SYSTEM line, the last statement of its transaction (see `writeMessage`). */
  private async writeLine(client: pg.PoolClient, line: TimelineLine): Promise<Change> {
    const { row, memberIds, sender } = await writeMessage(client, line);
    if (!row) throw noSuchConversation();
    return { memberIds, line: toView({ viewer: line.sender, peer: null }, row, new Map([[sender.id, sender]])) };
  }

  /** The members, oldest first, read under the conversation row's lock. */
  private async lockMembers(client: pg.PoolClient, conversationId: number) {
    await lockConversation(client, conversationId);
    const rows = await currentMembers(client, conversationId);
    return new Map(rows.map((row) => [row.userId, row]));
  }

  /**
   * The people named, without the viewer. Someone who blocked the viewer cannot be added by them,
   * nor someone who takes invitations only from people they talk to, from a stranger.
   */
  private async resolveMembers(viewer: UserRef, usernames: readonly string[], field: string) {
    if (usernames.length > this.limits.maxGroupMembers)
      throw badInput(field, `A group has at most ${this.limits.maxGroupMembers} members.`);
    const found = new Map<number, UserRef>();
    for (const username of usernames) {
      const user = await this.users.findByUsername(username, field);
      if (user.id !== viewer.id) found.set(user.id, user);
    }
    const [blocker] = await this.blocks.blockersOf(viewer.id, [...found.keys()]);
    if (blocker !== undefined)
      throw new AppError('FORBIDDEN', `You can't add ${found.get(blocker)!.username} to a group.`, { field });
    const [refusing] = await refusingInvitations(this.pool, viewer.id, [...found.keys()]);
    if (refusing)
      throw new AppError(
        'FORBIDDEN',
        `${found.get(refusing.id)!.username} can be added to groups only by people they talk to.`,
        { field },
      );
    return [...found.values()];
  }

  private checkSize(size: number, field: string) {
    if (size > this.limits.maxGroupMembers)
      throw badInput(field, `A group has at most ${this.limits.maxGroupMembers} members.`);
  }

  private announceMembership(
    change: Change,
    conversationId: number,
    user: UserRef,
    membership: MembershipChange,
    by: UserRef | null,
  ) {
    return this.announce(change.memberIds, {
      type: 'membership',
      conversationId,
      user: { id: user.id, username: user.username },
      change: membership,
      by: by && { id: by.id, username: by.username },
      seq: change.line.streamSeq,
    });
  }

  private async announce(recipients: readonly number[], event: UserWireEvent) {
    await this.bus.publishToUsers([...new Set(recipients)], event);
  }
}
