import { Client } from '@urql/core';
import { describe, expect, it, vi } from 'vitest';
import type { Message } from '../graphql/documents/fragments.ts';
import { Conversation } from './conversation.svelte.ts';
import { localOutboxStore, Outbox } from './outbox.svelte.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice' };
const bob = { id: '2', username: 'bob', displayName: 'bob' };
const message = (id: number, body: string): Message => ({
  id: String(id),
  body,
  clientId: null,
  createdAt: new Date(Date.UTC(2026, 11, 7, 9, id)).toISOString(),
  kind: 'TEXT',
  cursor: `m${id}`,
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  conversation: { id: '5' },
  sender: bob,
});

/** Alice's conversation '5', its history put in by hand: nothing here asks a server. */
function open(history: Message[]) {
  localStorage.clear();
  const urql = new Client({ url: 'http://localhost/graphql', exchanges: [] });
  const outbox = new Outbox(
    localOutboxStore(alice.id),
    () => Promise.resolve({ retry: 'offline' }),
    () => {},
  );
  const conversation = new Conversation(urql, alice, { id: '5' }, outbox);
  conversation.log.prepend(history);
  return { conversation, outbox };
}
const bodies = (conversation: Conversation) => conversation.messages.map((shown) => shown.body);

describe('Conversation', () => {
  it('takes in a changed message newer than all shown (written while away), ignores an older one not loaded', () => {
    const { conversation, outbox } = open([message(10, 'ten'), message(11, 'eleven')]);
    conversation.absorb({ ...message(11, 'eleven, edited'), editedAt: '2026-12-07T10:00:00.000Z' });
    conversation.absorb({ ...message(3, 'three, edited'), editedAt: '2026-12-07T10:00:00.000Z' });
    conversation.absorb({
      ...message(12, 'twelve, written and edited while away'),
      editedAt: '2026-12-07T10:00:00.000Z',
    });
    expect(bodies(conversation)).toEqual(['ten', 'eleven, edited', 'twelve, written and edited while away']);
    outbox.stop();
  });

  it('shows every unsent message waiting while the first could not get through, not only the first', async () => {
    const { conversation, outbox } = open([]);
    conversation.send('first');
    await vi.waitFor(() => expect(conversation.messages[0]?.state).toBe('waiting'));
    conversation.send('second');
    conversation.send('third');
    expect(conversation.messages.map((shown) => [shown.body, shown.state])).toEqual([
      ['first', 'waiting'],
      ['second', 'waiting'],
      ['third', 'waiting'],
    ]);
    outbox.stop();
  });

  it('shows our queued changes over the stored messages; one of ours not sent is edited, or deleted, in the queue', async () => {
    const { conversation, outbox } = open([message(10, 'ten')]);
    conversation.send('on its way');
    // Tried once, offline: it waits in the queue, no longer on its way.
    await vi.waitFor(() => expect(conversation.messages[1]?.state).toBe('waiting'));
    const [stored, pending] = conversation.messages;
    conversation.toggleReaction(stored!, '👍');
    conversation.edit(pending!, 'changed on its way');
    expect(conversation.messages.map((shown) => [shown.body, shown.reactions.length])).toEqual([
      ['ten', 1],
      ['changed on its way', 0],
    ]);
    expect(outbox.entries.map((entry) => entry.op)).toEqual(['send', 'react']);
    conversation.remove(conversation.messages[1]!);
    expect(bodies(conversation)).toEqual(['ten']);
    expect(outbox.entries.map((entry) => entry.op)).toEqual(['react']);
    outbox.stop();
  });
});
