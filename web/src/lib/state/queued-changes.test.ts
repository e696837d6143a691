import { describe, expect, it } from 'vitest';
import type { ShownMessage } from './message-log.svelte.ts';
import type { ChangeEntry } from './outbox-queue.ts';
import { withChanges } from './queued-changes.ts';

const message: ShownMessage = {
  key: 'm:1',
  id: '1',
  clientId: null,
  body: 'helo',
  createdAt: '2026-12-07T10:00:00.000Z',
  kind: 'TEXT',
  sender: { id: '1', username: 'alice', displayName: 'alice' },
  state: 'sent',
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  attachments: [],
  reactions: [
    { emoji: '👍', count: 2, reactedByMe: false },
    { emoji: '🎉', count: 1, reactedByMe: true },
  ],
};
const change = (fields: Partial<ChangeEntry> & Pick<ChangeEntry, 'op'>) =>
  ({
    clientId: 'e',
    conversationId: '5',
    to: null,
    createdAt: '2026-12-07T11:00:00.000Z',
    state: 'waiting',
    messageId: '1',
    sendId: null,
    ...fields,
  }) as ChangeEntry;

describe('withChanges', () => {
  it('shows queued edits and reactions as they will be', () => {
    const shown = withChanges(message, [
      change({ op: 'edit', body: 'hello' }),
      change({ op: 'react', emoji: '👍' }),
      change({ op: 'unreact', emoji: '🎉' }),
      change({ op: 'react', emoji: '❤️' }),
    ]);
    expect(shown).toMatchObject({ body: 'hello', editedAt: '2026-12-07T11:00:00.000Z', changing: true });
    expect(shown.reactions).toEqual([
      { emoji: '👍', count: 3, reactedByMe: true },
      { emoji: '❤️', count: 1, reactedByMe: true },
    ]);
    expect(message.body).toBe('helo');
  });

  it('shows a queued deletion as deleted, and leaves out refused changes', () => {
    expect(
      withChanges(message, [change({ op: 'delete' }), change({ op: 'edit', body: 'late' })]),
    ).toMatchObject({
      body: '',
      deletedAt: '2026-12-07T11:00:00.000Z',
      reactions: [],
    });
    expect(withChanges(message, [change({ op: 'edit', body: 'no', state: 'failed' })])).toEqual(message);
  });
});
