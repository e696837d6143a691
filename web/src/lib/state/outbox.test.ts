import { describe, expect, it, vi } from 'vitest';
import type { Message } from '../graphql/documents/fragments.ts';
import {
  localOutboxStore,
  Outbox,
  type OutboxEntry,
  type SendEntry,
  type SendResult,
} from './outbox.svelte.ts';

const stored = (entry: SendEntry, conversationId = entry.conversationId ?? '9'): Message => ({
  id: String(Math.random()).slice(2),
  body: entry.body,
  clientId: entry.clientId,
  createdAt: entry.createdAt,
  kind: 'TEXT',
  cursor: 'c',
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  conversation: { id: conversationId },
  sender: { id: '1', username: 'alice', displayName: 'alice' },
});

/** An outbox over this page's localStorage whose sends are answered by `answer`. */
function outbox(answer: (entry: SendEntry) => SendResult | Promise<SendResult>) {
  const tried: string[] = [];
  const done: string[] = [];
  const box = new Outbox(
    localOutboxStore('1'),
    async (entry: OutboxEntry) => {
      if (entry.op !== 'send') throw new Error('only sends here');
      tried.push(entry.body);
      return answer(entry);
    },
    (message) => done.push(message.body),
  );
  return { box, tried, done };
}

describe('Outbox', () => {
  it('sends one at a time in the order typed, and forgets each once stored', async () => {
    localStorage.clear();
    let inFlight = 0;
    const { box, done } = outbox(async (entry) => {
      expect(++inFlight).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { stored: stored(entry) };
    });
    for (let n = 0; n < 10; n++) box.add({ conversationId: '5', to: null, replyTo: null, body: `m${n}` });
    await vi.waitFor(() => expect(done).toHaveLength(10));
    expect(done).toEqual([...Array(10).keys()].map((n) => `m${n}`));
    expect(box.entries).toEqual([]);
    expect(localStorage.length).toBe(0);
    box.stop();
  });

  it('keeps what could not be sent across a reload and sends it with the same clientId when kicked', async () => {
    localStorage.clear();
    const first = outbox(() => ({ retry: 'No connection.' }));
    first.box.add({ conversationId: null, to: 'bob', replyTo: null, body: 'one' });
    first.box.add({ conversationId: null, to: 'bob', replyTo: null, body: 'two' });
    await vi.waitFor(() => expect(first.box.entries[0]?.error).toBe('No connection.'));
    const clientIds = first.box.entries.map((entry) => entry.clientId);
    first.box.stop();

    const seen: Array<[string, string | null]> = [];
    const second = outbox((entry) => {
      seen.push([entry.clientId, entry.conversationId]);
      return { stored: stored(entry, '77') };
    });
    expect(second.box.entries.map((entry) => (entry as SendEntry).body)).toEqual(['one', 'two']);
    second.box.kick();
    await vi.waitFor(() => expect(second.done).toEqual(['one', 'two']));
    // The first answer names the new conversation; the second goes there.
    expect(seen).toEqual([
      [clientIds[0], null],
      [clientIds[1], '77'],
    ]);
    second.box.stop();
  });

  it('holds a refused message for Retry or Delete and goes on with the next', async () => {
    localStorage.clear();
    let refuse = true;
    const { box, done } = outbox((entry) =>
      entry.body === 'bad' && refuse ? { refused: 'Too long.' } : { stored: stored(entry) },
    );
    box.add({ conversationId: '5', to: null, replyTo: null, body: 'bad' });
    box.add({ conversationId: '5', to: null, replyTo: null, body: 'good' });
    await vi.waitFor(() => expect(done).toEqual(['good']));
    expect(box.entries).toMatchObject([{ body: 'bad', state: 'failed', error: 'Too long.' }]);
    refuse = false;
    box.retry(box.entries[0]!.clientId);
    await vi.waitFor(() => expect(done).toEqual(['good', 'bad']));
    refuse = true;
    box.add({ conversationId: '5', to: null, replyTo: null, body: 'bad' });
    await vi.waitFor(() => expect(box.entries[0]?.state).toBe('failed'));
    box.remove(box.entries[0]!.clientId);
    expect(box.entries).toEqual([]);
    box.stop();
  });

  it('sends changes in order with messages; one made while its message was on its way waits for the id', async () => {
    localStorage.clear();
    const went: string[] = [];
    const answered: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const box = new Outbox(
      localOutboxStore('1'),
      async (entry): Promise<SendResult> => {
        if (entry.op === 'send') {
          if (entry.body === 'first') await held;
          went.push(`send:${entry.body}`);
          return { stored: { ...stored(entry), id: entry.body === 'first' ? '100' : '101' } };
        }
        went.push(`${entry.op}:${entry.messageId}:${entry.op === 'edit' ? entry.body : ''}`);
        return entry.op === 'react'
          ? { stored: null }
          : { stored: { ...stored(entry as never), id: entry.messageId! } };
      },
      (message, entry) => answered.push(`${entry.op}:${message.id}`),
    );
    box.add({ conversationId: '5', to: null, replyTo: null, body: 'first' });
    await vi.waitFor(() => expect(box.entries).toHaveLength(1));
    const first = box.entries[0]!;
    box.change(
      { id: null, clientId: first.clientId, conversationId: '5', to: null },
      { op: 'edit', body: 'first!' },
    );
    box.change({ id: '50', clientId: null, conversationId: '5', to: null }, { op: 'react', emoji: '👍' });
    box.add({ conversationId: '5', to: null, replyTo: null, body: 'second' });
    release();
    await vi.waitFor(() => expect(went).toHaveLength(4));
    expect(went).toEqual(['send:first', 'edit:100:first!', 'react:50:', 'send:second']);
    // An answer the stream overtook (null) is not handed on.
    expect(answered).toEqual(['send:100', 'edit:100', 'send:101']);
    expect(box.entries).toEqual([]);
    box.stop();
  });
});
