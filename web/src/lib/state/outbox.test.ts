import { describe, expect, it, vi } from 'vitest';
import type { Message } from '../graphql/documents.ts';
import { localOutboxStore, Outbox, type OutboxEntry, type SendResult } from './outbox.svelte.ts';

const stored = (entry: OutboxEntry, conversationId = entry.conversationId ?? '9'): Message => ({
  id: String(Math.random()).slice(2),
  body: entry.body,
  clientId: entry.clientId,
  createdAt: entry.createdAt,
  kind: 'TEXT',
  cursor: 'c',
  conversation: { id: conversationId },
  sender: { id: '1', username: 'alice' },
});

/** An outbox over this page's localStorage whose sends are answered by `answer`. */
function outbox(answer: (entry: OutboxEntry) => SendResult | Promise<SendResult>) {
  const tried: string[] = [];
  const done: string[] = [];
  const box = new Outbox(
    localOutboxStore('1'),
    async (entry) => {
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
    for (let n = 0; n < 10; n++) box.add({ conversationId: '5', to: null, body: `m${n}` });
    await vi.waitFor(() => expect(done).toHaveLength(10));
    expect(done).toEqual([...Array(10).keys()].map((n) => `m${n}`));
    expect(box.entries).toEqual([]);
    expect(localStorage.length).toBe(0);
    box.stop();
  });

  it('keeps what could not be sent across a reload and sends it with the same clientId when kicked', async () => {
    localStorage.clear();
    const first = outbox(() => ({ retry: 'No connection.' }));
    first.box.add({ conversationId: null, to: 'bob', body: 'one' });
    first.box.add({ conversationId: null, to: 'bob', body: 'two' });
    await vi.waitFor(() => expect(first.box.entries[0]?.error).toBe('No connection.'));
    const clientIds = first.box.entries.map((entry) => entry.clientId);
    first.box.stop();

    const seen: Array<[string, string | null]> = [];
    const second = outbox((entry) => {
      seen.push([entry.clientId, entry.conversationId]);
      return { stored: stored(entry, '77') };
    });
    expect(second.box.entries.map((entry) => entry.body)).toEqual(['one', 'two']);
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
    box.add({ conversationId: '5', to: null, body: 'bad' });
    box.add({ conversationId: '5', to: null, body: 'good' });
    await vi.waitFor(() => expect(done).toEqual(['good']));
    expect(box.entries).toMatchObject([{ body: 'bad', state: 'failed', error: 'Too long.' }]);
    refuse = false;
    box.retry(box.entries[0]!.clientId);
    await vi.waitFor(() => expect(done).toEqual(['good', 'bad']));
    refuse = true;
    box.add({ conversationId: '5', to: null, body: 'bad' });
    await vi.waitFor(() => expect(box.entries[0]?.state).toBe('failed'));
    box.remove(box.entries[0]!.clientId);
    expect(box.entries).toEqual([]);
    box.stop();
  });
});
