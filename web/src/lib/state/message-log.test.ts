import { describe, expect, it } from 'vitest';
import type { Message } from '../graphql/documents/fragments.ts';
import { MessageLog } from './message-log.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice' };
const bob = { id: '2', username: 'bob', displayName: 'bob' };
const message = (id: number, body: string, clientId: string | null = null, sender = alice): Message => ({
  id: String(id),
  body,
  clientId,
  createdAt: new Date(Date.UTC(2026, 10, 24, 9, id)).toISOString(),
  kind: 'TEXT',
  cursor: `m${id}`,
  editedAt: null,
  editableUntil: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  conversation: { id: '1' },
  sender,
});
const quote = (id: number, body: string) => ({
  id: String(id),
  body,
  kind: 'TEXT' as const,
  deletedAt: null,
  sender: bob,
});
const bodies = (log: MessageLog) => log.messages.map((shown) => `${shown.body}:${shown.state}`);

describe('MessageLog', () => {
  it('shows each message once, whether it comes from history, live, a replay, or a send answer', () => {
    const log = new MessageLog();
    log.prepend([message(3, 'c'), message(4, 'd')]);
    log.receive(message(4, 'd'));
    log.receive(message(5, 'e'));
    log.receive(message(6, 'mine', 'c-6'));
    log.receive(message(5, 'e'));
    log.receive(message(6, 'mine', 'c-6'));
    log.prepend([message(1, 'a'), message(2, 'b'), message(3, 'c')]);
    expect(bodies(log)).toEqual(['a:sent', 'b:sent', 'c:sent', 'd:sent', 'e:sent', 'mine:sent']);
    expect(log.messages.map((shown) => shown.key).at(-1)).toBe('c:c-6');
  });

  it('names the newest stored message for markRead', () => {
    const log = new MessageLog();
    expect(log.newestStored).toBeUndefined();
    log.prepend([message(1, 'a', null, bob), message(2, 'b', null, bob)]);
    expect(log.newestStored?.id).toBe('2');
  });

  it('keeps stored messages in order when a resumed stream replays an older one late', () => {
    const log = new MessageLog();
    log.receive(message(7, 'g'));
    log.receive(message(6, 'f'));
    expect(bodies(log)).toEqual(['f:sent', 'g:sent']);
  });

  it('puts a changed message in place, keeps its key, and updates the quotes of replies to it', () => {
    const log = new MessageLog();
    log.prepend([
      message(1, 'original', null, bob),
      { ...message(2, 'mine', 'c-2'), replyTo: quote(1, 'original') },
    ]);
    log.update({ ...message(1, 'edited', null, bob), editedAt: '2026-11-24T10:00:00.000Z' });
    expect(bodies(log)).toEqual(['edited:sent', 'mine:sent']);
    expect(log.messages[0]!.editedAt).toBe('2026-11-24T10:00:00.000Z');
    expect(log.messages[1]!.replyTo?.body).toBe('edited');
    log.update({ ...message(2, '', 'c-2'), deletedAt: '2026-11-24T10:05:00.000Z' });
    expect(log.messages[1]).toMatchObject({ key: 'c:c-2', body: '', deletedAt: '2026-11-24T10:05:00.000Z' });
  });

  it('keeps the read count a history page gave when a change arrives without one', () => {
    const log = new MessageLog();
    log.prepend([{ ...message(1, 'a'), readByCount: 2 }]);
    log.update({ ...message(1, 'a'), reactions: [{ emoji: '👍', count: 1, reactedByMe: true }] });
    expect(log.messages[0]!.readByCount).toBe(2);
    log.update({ ...message(1, 'a'), readByCount: 3 });
    expect(log.messages[0]!.readByCount).toBe(3);
    log.receive(message(2, 'live'));
    expect(log.messages[1]!.readByCount).toBeNull();
  });

  it('ignores a change to a message it does not have, and a replayed creation of one it has', () => {
    const log = new MessageLog();
    log.prepend([message(1, 'a')]);
    const before = log.messages;
    log.update(message(5, 'not loaded'));
    expect(log.messages).toBe(before);
    log.update({ ...message(1, 'a'), reactions: [{ emoji: '👍', count: 1, reactedByMe: false }] });
    log.receive(message(1, 'a'));
    expect(log.messages[0]!.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: false }]);
  });
});
