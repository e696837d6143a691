import { describe, expect, it } from 'vitest';
import type { Message } from '../graphql/documents/fragments.ts';
import {
  afterStored,
  nextToDeliver,
  queueChange,
  withoutEntry,
  type Change,
  type ChangeTarget,
  type OutboxEntry,
  type SendEntry,
} from './outbox-queue.ts';

let made = 0;
const stamp = () => ({ clientId: `e${++made}`, createdAt: '2026-12-07T10:00:00.000Z' });
const send = (clientId: string, body: string): SendEntry => ({
  op: 'send',
  clientId,
  conversationId: '5',
  to: null,
  body,
  replyTo: null,
  createdAt: '2026-12-07T10:00:00.000Z',
  state: 'waiting',
});
const stored = (id: string): ChangeTarget => ({ id, clientId: null, conversationId: '5', to: null });
const unsent = (clientId: string): ChangeTarget => ({ id: null, clientId, conversationId: '5', to: null });
const queue = (
  entries: OutboxEntry[],
  target: ChangeTarget,
  change: Change,
  inFlight: string | null = null,
) => queueChange(entries, target, change, inFlight, stamp());
/** Each entry in a word: `send:body`, `edit:42:body`, `react:42:👍`… (`~` for a change waiting on a send). */
const described = (entries: readonly OutboxEntry[]) =>
  entries.map((entry) => {
    if (entry.op === 'send') return `send:${entry.body}`;
    const target = entry.messageId ?? `~${entry.sendId}`;
    if (entry.op === 'edit') return `edit:${target}:${entry.body}`;
    if (entry.op === 'delete') return `delete:${target}`;
    return `${entry.op}:${target}:${entry.emoji}`;
  });

describe('queueChange', () => {
  it('queues changes to stored messages after everything before them, in the order made', () => {
    let entries: OutboxEntry[] = [send('a', 'first')];
    entries = queue(entries, stored('41'), { op: 'edit', body: 'fixed' });
    entries = queue(entries, stored('40'), { op: 'react', emoji: '👍' });
    entries = [...entries, send('b', 'second')];
    entries = queue(entries, stored('39'), { op: 'delete' });
    expect(described(entries)).toEqual([
      'send:first',
      'edit:41:fixed',
      'react:40:👍',
      'send:second',
      'delete:39',
    ]);
  });

  it('edits the body of a send that has not gone yet, and a deletion drops it with what waited on it', () => {
    let entries: OutboxEntry[] = [send('a', 'tpyo'), send('b', 'next')];
    entries = queue(entries, unsent('a'), { op: 'edit', body: 'typo' });
    expect(described(entries)).toEqual(['send:typo', 'send:next']);
    entries = queue(entries, unsent('b'), { op: 'delete' });
    expect(described(entries)).toEqual(['send:typo']);
  });

  it('makes a change to the send on its way wait for its id, then name it', () => {
    let entries: OutboxEntry[] = [send('a', 'on its way'), send('b', 'after')];
    entries = queue(entries, unsent('a'), { op: 'edit', body: 'changed' }, 'a');
    expect(described(entries)).toEqual(['send:on its way', 'send:after', 'edit:~a:changed']);
    // Until the send is stored, the next to go is the next send, not the change.
    expect(described([nextToDeliver(entries.slice(1))!])).toEqual(['send:after']);
    // Deleted while still on its way: the edit is pointless, the deletion waits instead.
    expect(described(queue(entries, unsent('a'), { op: 'delete' }, 'a'))).toEqual([
      'send:on its way',
      'send:after',
      'delete:~a',
    ]);
    const message = { id: '77', conversation: { id: '5' } } as Message;
    entries = afterStored(entries, entries[0] as SendEntry, message);
    expect(described(entries)).toEqual(['send:after', 'edit:77:changed']);
    expect(described([nextToDeliver(entries.slice(1))!])).toEqual(['edit:77:changed']);
  });

  it('drops changes made pointless by a deletion, but not one already on its way', () => {
    let entries: OutboxEntry[] = [];
    entries = queue(entries, stored('9'), { op: 'edit', body: 'one' });
    entries = queue(entries, stored('9'), { op: 'react', emoji: '🎉' });
    entries = queue(entries, stored('8'), { op: 'react', emoji: '🎉' });
    const going = entries[0]!.clientId;
    entries = queue(entries, stored('9'), { op: 'delete' }, going);
    expect(described(entries)).toEqual(['edit:9:one', 'react:8:🎉', 'delete:9']);
  });

  it('cancels a reaction taken back before it went', () => {
    let entries: OutboxEntry[] = queue([], stored('3'), { op: 'react', emoji: '👍' });
    entries = queue(entries, stored('3'), { op: 'unreact', emoji: '👍' });
    expect(entries).toEqual([]);
    // On its way already: the taking back goes after it.
    entries = queue([], stored('3'), { op: 'react', emoji: '👍' });
    entries = queue(entries, stored('3'), { op: 'unreact', emoji: '👍' }, entries[0]!.clientId);
    expect(described(entries)).toEqual(['react:3:👍', 'unreact:3:👍']);
  });

  it('takes no reaction to a message not stored yet', () => {
    const entries = [send('a', 'hi')];
    expect(queue(entries, unsent('a'), { op: 'react', emoji: '👍' })).toEqual(entries);
  });
});

describe('withoutEntry', () => {
  it('drops a send with the changes that waited on it', () => {
    let entries: OutboxEntry[] = [send('a', 'x'), send('b', 'y')];
    entries = queue(entries, unsent('a'), { op: 'edit', body: 'z' }, 'a');
    expect(described(withoutEntry(entries, 'a'))).toEqual(['send:y']);
  });
});
