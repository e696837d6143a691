import { describe, expect, it } from 'vitest';
import type { Message } from '../graphql/documents.ts';
import { MessageLog } from './message-log.svelte.ts';

const alice = { id: '1', username: 'alice' };
const bob = { id: '2', username: 'bob' };
const message = (id: number, body: string, clientId: string | null = null, sender = alice): Message => ({
  id: String(id),
  body,
  clientId,
  createdAt: new Date(Date.UTC(2026, 10, 24, 9, id)).toISOString(),
  kind: 'TEXT',
  cursor: `m${id}`,
  conversation: { id: '1' },
  sender,
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
});
