import { describe, expect, it } from 'vitest';
import type { ShownMessage } from './message-log.svelte.ts';
import { canDelete, canEdit, canRespond, lastEditable } from './message-rules.ts';

const alice = { id: '1', username: 'alice', displayName: 'alice' };
const bob = { id: '2', username: 'bob', displayName: 'bob' };
const sentAt = Date.UTC(2026, 11, 7, 10);
/** The server's default edit window: what its `editableUntil` says for this one. */
const EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;
const shown = (fields: Partial<ShownMessage> = {}): ShownMessage => ({
  key: 'm:1',
  id: '1',
  clientId: null,
  body: 'hi',
  createdAt: new Date(sentAt).toISOString(),
  kind: 'TEXT',
  sender: alice,
  state: 'sent',
  editedAt: null,
  editableUntil: new Date(sentAt + EDIT_WINDOW_MS).toISOString(),
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  ...fields,
});

describe('message rules', () => {
  it('lets the sender edit a text message inside the edit window only', () => {
    expect(canEdit(shown(), alice.id, sentAt + EDIT_WINDOW_MS - 1)).toBe(true);
    expect(canEdit(shown(), alice.id, sentAt + EDIT_WINDOW_MS)).toBe(false);
    expect(canEdit(shown(), bob.id, sentAt)).toBe(false);
    // The server's word decides, whatever window it is configured with; null is "no".
    expect(canEdit(shown({ editableUntil: new Date(sentAt + 60_000).toISOString() }), alice.id, sentAt + 60_000)).toBe(false);
    expect(canEdit(shown({ editableUntil: null }), alice.id, sentAt)).toBe(false);
    expect(canEdit(shown({ kind: 'SYSTEM' }), alice.id, sentAt)).toBe(false);
    expect(canEdit(shown({ deletedAt: new Date(sentAt).toISOString() }), alice.id, sentAt)).toBe(false);
    // One still on its way: its queued text, whenever.
    expect(canEdit(shown({ id: null, state: 'waiting' }), alice.id, sentAt + 2 * EDIT_WINDOW_MS)).toBe(true);
  });

  it('lets the sender delete, and a group owner delete anyone’s stored message', () => {
    expect(canDelete(shown(), alice.id, false)).toBe(true);
    expect(canDelete(shown(), bob.id, false)).toBe(false);
    expect(canDelete(shown(), bob.id, true)).toBe(true);
    expect(canDelete(shown({ deletedAt: 'x' }), alice.id, true)).toBe(false);
    expect(canRespond(shown({ id: null }))).toBe(false);
  });

  it('finds my newest editable message for ↑', () => {
    const messages = [
      shown({ key: 'a', body: 'mine' }),
      shown({ key: 'b', sender: bob }),
      shown({ key: 'c', deletedAt: 'x' }),
    ];
    expect(lastEditable(messages, alice.id, sentAt)?.key).toBe('a');
    expect(lastEditable(messages, alice.id, sentAt + EDIT_WINDOW_MS)).toBeUndefined();
  });
});
