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
  sender,
  receiver: sender === alice ? bob : alice,
});
const bodies = (log: MessageLog) => log.messages.map((shown) => `${shown.body}:${shown.state}`);

describe('MessageLog', () => {
  it('shows each message once, whether it comes from history, live, or both', () => {
    const log = new MessageLog();
    log.prepend([message(3, 'c'), message(4, 'd')]);
    log.receiveStreamed(message(4, 'd'));
    log.receiveStreamed(message(5, 'e'));
    log.receiveStreamed(message(5, 'e'));
    log.prepend([message(1, 'a'), message(2, 'b'), message(3, 'c')]);
    expect(bodies(log)).toEqual(['a:sent', 'b:sent', 'c:sent', 'd:sent', 'e:sent']);
    expect(log.resumeAfter).toBe('5');
  });

  it('resumes from what the stream or history delivered, never from a send answer or an inbox event', () => {
    const log = new MessageLog();
    log.prepend([message(1, 'a'), message(2, 'b')]);
    log.receiveStreamed(message(3, 'c'));
    // The socket is in backoff: bob's 4 is committed, then our send is answered over HTTP
    // and the inbox (another socket) brings bob's 6.
    log.addPending('c-5', 'mine', alice);
    log.receive(message(5, 'mine', 'c-5'));
    log.receive(message(6, 'f', null, bob));
    expect(log.resumeAfter).toBe('3');
    // The resumed stream replays 4, 5 and 6; each shows once.
    for (const id of [4, 5, 6]) {
      log.receiveStreamed(id === 5 ? message(5, 'mine', 'c-5') : message(id, `#${id}`, null, bob));
    }
    expect(log.messages.map((shown) => shown.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(log.resumeAfter).toBe('6');
  });

  it('resumes after the newest history page, not after an older page loaded later', () => {
    const log = new MessageLog();
    expect(log.resumeAfter).toBeNull();
    log.prepend([message(8, 'h'), message(9, 'i')]);
    log.prepend([message(6, 'f'), message(7, 'g')]);
    expect(log.resumeAfter).toBe('9');
  });

  it('keeps stored messages in order when a resumed stream replays an older one late', () => {
    const log = new MessageLog();
    log.receive(message(7, 'g'));
    log.receive(message(6, 'f'));
    expect(bodies(log)).toEqual(['f:sent', 'g:sent']);
  });

  it('shows a send at once, then swaps in the stored message, whichever way it arrives first', () => {
    const log = new MessageLog();
    log.addPending('c-1', 'hello', alice);
    log.addPending('c-2', 'again', alice);
    expect(bodies(log)).toEqual(['hello:sending', 'again:sending']);
    log.receive(message(10, 'hello', 'c-1'));
    log.receive(message(9, 'from bob', null, bob));
    expect(bodies(log)).toEqual(['from bob:sent', 'hello:sent', 'again:sending']);
    expect(log.messages.map((shown) => shown.key)).toEqual(['m:9', 'c:c-1', 'c:c-2']);
  });

  it('marks a failed send, and a retry that the server answers with the first copy shows it once', () => {
    const log = new MessageLog();
    log.addPending('c-3', 'flaky', alice);
    log.markFailed('c-3', 'Network error');
    expect(log.messages[0]).toMatchObject({ state: 'failed', error: 'Network error' });
    log.markSending('c-3');
    expect(log.messages[0]).toMatchObject({ state: 'sending', error: undefined });
    log.receive(message(11, 'flaky', 'c-3'));
    log.receive(message(11, 'flaky', 'c-3'));
    expect(bodies(log)).toEqual(['flaky:sent']);
  });
});
