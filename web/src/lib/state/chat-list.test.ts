import { describe, expect, it } from 'vitest';
import type { ConversationSummary, Message, User } from '../graphql/documents/fragments.ts';
import { ChatList } from './chat-list.svelte.ts';

const me: User = { id: '1', username: 'alice', displayName: 'alice' };
const bob: User = { id: '2', username: 'bob', displayName: 'bob' };
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
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
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
  memberCount: id === 'g' ? 3 : 2,
  peer: id === 'g' ? null : { ...bob, blockedByMe: false, blocksMe: false, presence: null },
  lastMessage: message(last, id),
  unreadCount,
  mentionCount: 0,
  lastReadMessageId: read,
  updatedAt: minute(last),
  notificationLevel: 'ALL',
  muted: false,
  mutedUntil: null,
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

  it('leaves a muted conversation’s unread out of the total, though its row still counts them', () => {
    const list = new ChatList();
    list.replace([summary('10', 3, 2, '1'), { ...summary('11', 5, 4, '1'), muted: true }], page);
    expect(list.get('11')!.unreadCount).toBe(4);
    expect(list.totalUnread).toBe(2);
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
    expect(list.onOwnRead('11', '5')).toBe(true);
    expect(list.get('11')!.unreadCount).toBe(0);
    list.onMessage(message(9, '11'), me, false);
    expect(list.onOwnRead('11', '7')).toBe(false);
    expect(list.get('11')).toMatchObject({ unreadCount: 1, lastReadMessageId: '7' });
  });

  it('moves my read position forward only', () => {
    const list = new ChatList();
    list.replace([summary('g', 10, 0, '8')], page);
    list.onOwnRead('g', '9');
    list.onOwnRead('g', '5');
    expect(list.get('g')!.lastReadMessageId).toBe('9');
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

  it('counts unread mentions; reading to the end clears them', () => {
    const list = new ChatList();
    list.replace([summary('g', 3, 0, '3')], page);
    list.onMessage(message(4, 'g'), me, false, true);
    list.onMessage(message(5, 'g'), me, false, false);
    list.onMessage(message(6, 'g'), me, true, true);
    expect(list.get('g')).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    list.onOwnRead('g', '6');
    expect(list.get('g')).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('shows a change of the last message in its row, and asks to refetch when an unread one is edited or deleted', () => {
    const list = new ChatList();
    list.replace([summary('10', 5, 1, '4')], page);
    const deleted = { ...message(5, '10'), body: '', deletedAt: minute(9) };
    expect(list.onUpdated(deleted, me)).toBe(false);
    expect(list.get('10')!.lastMessage).toMatchObject({ id: '5', body: '', deletedAt: minute(9) });
    expect(list.get('10')!.updatedAt).toBe(minute(5));
    // Read already, or a reaction only: the counts stand. An older message changes nothing shown.
    expect(list.onUpdated({ ...message(4, '10'), editedAt: minute(9) }, me)).toBe(true);
    expect(
      list.onUpdated({ ...message(5, '10'), reactions: [{ emoji: '👍', count: 1, reactedByMe: true }] }, me),
    ).toBe(true);
    expect(list.get('10')!.lastMessage!.id).toBe('5');
    expect(list.onUpdated(message(1, '99'), me)).toBe(true);
  });

  it('tells a change of a message it never showed (written while the stream was away) from one of an older message', () => {
    const list = new ChatList();
    list.replace([summary('10', 5, 0, '5')], page);
    expect(list.isNew(message(5, '10'))).toBe(false);
    expect(list.isNew(message(4, '10'))).toBe(false);
    expect(list.isNew(message(6, '10'))).toBe(true);
    expect(list.isNew(message(6, '99'))).toBe(false);
    // Written and deleted while away: it shows, but is not unread.
    list.onMessage({ ...message(6, '10'), body: '', deletedAt: minute(7) }, me, false);
    expect(list.get('10')).toMatchObject({ unreadCount: 0, lastMessage: { id: '6' } });
  });
});
