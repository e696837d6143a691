import { describe, expect, it } from 'vitest';
import type { ConversationSummary, Message, User } from '../graphql/documents.ts';
import { ChatList } from './chat-list.svelte.ts';

const me: User = { id: '1', username: 'alice' };
const bob: User = { id: '2', username: 'bob' };
const carol: User = { id: '3', username: 'carol' };
const minute = (n: number) => new Date(Date.UTC(2026, 10, 25, 9, n)).toISOString();

const message = (
  id: number,
  conversation: string,
  sender: User = bob,
  kind: Message['kind'] = 'TEXT',
): Message => ({
  id: String(id),
  body: `#${id}`,
  clientId: null,
  createdAt: minute(id),
  kind,
  cursor: `c${id}`,
  conversation: { id: conversation },
  sender,
});

const summary = (
  id: string,
  last: number,
  unreadCount = 0,
  read: string | null = String(last),
): ConversationSummary => ({
  id,
  kind: id === 'g' ? 'GROUP' : 'DIRECT',
  title: id === 'g' ? 'Team' : `peer-${id}`,
  members: [
    { user: { ...me, presence: null }, role: 'OWNER', lastReadMessageId: read },
    { user: { ...bob, presence: null }, role: 'MEMBER', lastReadMessageId: null },
    ...(id === 'g'
      ? [{ user: { ...carol, presence: null }, role: 'MEMBER' as const, lastReadMessageId: '1' }]
      : []),
  ],
  lastMessage: message(last, id),
  unreadCount,
  lastReadMessageId: read,
  updatedAt: minute(last),
});

const order = (list: ChatList) => list.conversations.map((item) => item.id);
const page = { hasNextPage: false, endCursor: null };

describe('ChatList', () => {
  it('orders by the latest activity and moves a conversation up when a message arrives', () => {
    const list = new ChatList();
    list.replace([summary('10', 3), summary('11', 5), summary('g', 4)], page);
    expect(order(list)).toEqual(['11', 'g', '10']);
    expect(list.onMessage(message(6, '10'), me, false)).toBe(true);
    expect(order(list)).toEqual(['10', '11', 'g']);
    expect(list.get('10')!.lastMessage!.body).toBe('#6');
  });

  it('counts messages from others as unread, once each, unless the conversation is being looked at', () => {
    const list = new ChatList();
    list.replace([summary('10', 3, 2, '1'), summary('11', 5)], page);
    list.onMessage(message(6, '10'), me, false);
    // A replay after a resume, or the same message from a send's answer.
    list.onMessage(message(6, '10'), me, false);
    list.onMessage(message(7, '11'), me, true);
    list.onMessage(message(8, '10', bob, 'SYSTEM'), me, false);
    expect(list.get('10')!.unreadCount).toBe(3);
    expect(list.get('11')!.unreadCount).toBe(0);
    expect(list.totalUnread).toBe(3);
  });

  it('says when a message belongs to a conversation it does not know, so the caller fetches it', () => {
    const list = new ChatList();
    expect(list.onMessage(message(1, '99'), me, false)).toBe(false);
    expect(list.conversations).toEqual([]);
  });

  it('clears unread when I send, or read up to the last message elsewhere; asks to refetch when read halfway', () => {
    const list = new ChatList();
    list.replace([summary('10', 3, 2, '1'), summary('11', 5, 4, '1')], page);
    list.onMessage(message(6, '10', me), me, false);
    expect(list.get('10')).toMatchObject({ unreadCount: 0, lastReadMessageId: '6' });
    // Another tab of mine read up to 5, the last message: known. Up to 4 of 9: not known here.
    expect(list.onRead('11', me, '5', me)).toBe(true);
    expect(list.get('11')!.unreadCount).toBe(0);
    list.onMessage(message(9, '11'), me, false);
    expect(list.markedRead('11', '7', me)).toBe(false);
  });

  it("moves members' read positions forward only", () => {
    const list = new ChatList();
    list.replace([summary('g', 10)], page);
    list.onRead('g', carol, '8', me);
    list.onRead('g', carol, '5', me);
    list.onRead('g', bob, '9', me);
    const positions = list.get('g')!.members.map((member) => member.lastReadMessageId);
    expect(positions).toEqual(['10', '9', '8']);
    expect(list.onRead('g', carol, '9', me)).toBe(true);
  });

  it('replaces everything with a fresh first page (a conversation left while away goes), finds direct chats by peer', () => {
    const list = new ChatList();
    list.replace([summary('10', 3), summary('g', 4)], { hasNextPage: true, endCursor: 'p1' });
    expect(list.hasMore).toBe(true);
    list.append([summary('11', 1)], page);
    expect(order(list)).toEqual(['g', '10', '11']);
    list.replace([summary('10', 3, 1)], page);
    expect(order(list)).toEqual(['10']);
    expect(list.totalUnread).toBe(1);
    expect(list.findDirect('peer-10')?.id).toBe('10');
    list.remove('10');
    expect(list.findDirect('peer-10')).toBeUndefined();
  });
});
