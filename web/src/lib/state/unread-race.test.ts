import type { Client } from '@urql/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConversationSummary, Message, User } from '../graphql/documents/fragments.ts';
import { Inbox } from './inbox.svelte.ts';
import type { Outbox } from './outbox.svelte.ts';
import { PresenceBook } from './presence.svelte.ts';

const me: User = { id: '1', username: 'alice', displayName: 'alice' };
const bob: User = { id: '2', username: 'bob', displayName: 'bob' };
const CONVERSATION = '9';

const message = (id: number): Message => ({
  id: String(id),
  body: `#${id}`,
  clientId: null,
  createdAt: new Date(Date.UTC(2026, 11, 7, 9, 0, id)).toISOString(),
  kind: 'TEXT',
  cursor: `c${id}`,
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  conversation: { id: CONVERSATION },
  sender: bob,
});

/** The row as the server reads it once messages 1…`stored` are committed (none read by alice). */
const rowAfter = (stored: number, older: number): ConversationSummary => ({
  id: CONVERSATION,
  kind: 'DIRECT',
  title: bob.username,
  memberCount: 2,
  peer: { ...bob, blockedByMe: false, blocksMe: false, presence: null },
  lastMessage: stored > 0 ? message(stored) : null,
  unreadCount: Math.max(0, stored - older),
  mentionCount: 0,
  lastReadMessageId: older > 0 ? String(older) : null,
  updatedAt: message(Math.max(stored, 1)).createdAt,
  notificationLevel: 'ALL',
  muted: false,
  mutedUntil: null,
});

/**
 * An urql client whose every query is answered when the scenario says: the server reads the
 * row at that moment (`rowAt()`), and the answer arrives later.
 */
function slowServer(rowAt: () => ConversationSummary) {
  const asked: Array<{ read: () => void; deliver: () => void }> = [];
  const client = {
    query: () => ({
      toPromise: () =>
        new Promise((resolve) => {
          let row: ConversationSummary | null = null;
          asked.push({
            read: () => (row ??= rowAt()),
            deliver: () => resolve({ data: { conversationById: row ?? rowAt() } }),
          });
        }),
    }),
  } as unknown as Client;
  return { client, asked };
}

/** Lets the answers delivered run their continuations. */
async function settle() {
  for (let tick = 0; tick < 5; tick++) await Promise.resolve();
}

describe('unread counts under any arrival order (finding 4)', () => {
  it('count every message of a conversation new to the list, or with an old row, exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        // Messages alice read before ("an old preview"); 0: the chat is new.
        fc.integer({ min: 0, max: 3 }),
        // Whether her list has the row already (or it is past the first page, or new).
        fc.boolean(),
        // After each arrival: is the row fetched again (a membership change), does the server read it now, does
        // its answer arrive now, does a resumed stream replay one?
        fc.array(fc.record({ fetch: fc.boolean(), read: fc.boolean(), deliver: fc.boolean(), replay: fc.boolean() }), {
          minLength: 12,
          maxLength: 12,
        }),
        async (count, older, listed, steps) => {
          let committed = older;
          const { client, asked } = slowServer(() => rowAfter(committed, older));
          const inbox = new Inbox(client, me, {} as Outbox, [new PresenceBook()], async () => {});
          if (older > 0 && listed) inbox.list.upsert(rowAfter(older, older));
          const fetched: Array<Promise<unknown>> = [];
          // What the event router does with a message from the stream.
          const arrive = (m: Message) => {
            if (!inbox.list.onMessage(m, me, false)) fetched.push(inbox.fetch(CONVERSATION));
          };
          for (let n = 1; n <= count; n++) {
            const id = older + n;
            committed = id;
            arrive(message(id));
            const step = steps[n - 1]!;
            if (step.fetch) fetched.push(inbox.fetch(CONVERSATION));
            if (step.read) asked.forEach((query) => query.read());
            if (step.deliver) asked.splice(0).forEach((query) => query.deliver());
            if (step.replay) arrive(message(older + 1 + ((id * 7) % n)));
            await settle();
          }
          for (const query of asked.splice(0)) query.deliver();
          await Promise.all(fetched);
          const row = inbox.list.get(CONVERSATION);
          expect(row?.unreadCount).toBe(count);
          expect(row?.lastMessage?.id).toBe(String(older + count));
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
