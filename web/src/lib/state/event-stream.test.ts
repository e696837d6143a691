import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../graphql/documents/events.ts';
import type { Message } from '../graphql/documents/fragments.ts';
import { EventStream } from './event-stream.ts';

const message = (id: string, conversation: string): Message => ({
  id,
  body: `#${id}`,
  clientId: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  kind: 'TEXT',
  cursor: `cursor-${id}`,
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
  conversation: { id: conversation },
  sender: { id: '2', username: 'bob', displayName: 'bob' },
});
const messageEvent = (id: string, conversation = '1'): ChatEvent => ({
  __typename: 'MessageEvent',
  cursor: `cursor-${id}`,
  message: { ...message(id, conversation), mentions: [], mentionsEveryone: false },
});

/** A stand-in for the graphql-ws subscription: records each subscribe's `after` and lets the test push events. */
function fakeServer() {
  const subscriptions: Array<{
    after: string | null;
    push: (event: ChatEvent) => void;
    expire: () => void;
    open: boolean;
  }> = [];
  const subscribe = (after: string | null, onEvent: (event: ChatEvent) => void, onExpired: () => void) => {
    const subscription = { after, push: onEvent, expire: onExpired, open: true };
    subscriptions.push(subscription);
    return () => {
      subscription.open = false;
    };
  };
  return { subscriptions, subscribe };
}

describe('EventStream', () => {
  it('keeps one subscription, and resumes after the last message or change cursor it received', () => {
    const server = fakeServer();
    const seen: string[] = [];
    let resumes = 0;
    const stream = new EventStream(
      server.subscribe,
      (event) => seen.push(event.__typename),
      () => resumes++,
    );
    stream.start();
    // The first connection: the subscription is already up, so nothing is opened twice.
    stream.resume();
    expect(server.subscriptions.map((s) => s.after)).toEqual([null]);
    expect(resumes).toBe(0);

    const live = server.subscriptions[0]!;
    live.push(messageEvent('7', '1'));
    live.push(messageEvent('9', '2'));
    // Live-only events move nothing: they cannot be replayed.
    live.push({
      __typename: 'ReadEvent',
      conversation: { id: '1' },
      user: { id: '2', username: 'bob' },
      lastReadMessageId: '9',
    });
    expect(stream.cursor).toBe('cursor-9');
    // A change (an edit, a deletion, a reaction) is a position in the stream too: a resume goes on after it.
    live.push({
      __typename: 'MessageUpdatedEvent',
      cursor: 'cursor-7-edited',
      message: { ...message('7', '1'), mentions: [], mentionsEveryone: false },
    });
    expect(stream.cursor).toBe('cursor-7-edited');
    live.push(messageEvent('9', '2'));

    stream.pause();
    expect(live.open).toBe(false);
    stream.resume();
    expect(server.subscriptions.map((s) => s.after)).toEqual([null, 'cursor-9']);
    expect(server.subscriptions.filter((s) => s.open)).toHaveLength(1);
    expect(resumes).toBe(1);
    expect(seen).toEqual([
      'MessageEvent',
      'MessageEvent',
      'ReadEvent',
      'MessageUpdatedEvent',
      'MessageEvent',
    ]);
  });

  it('resumes from the start when no message came before the cut, and not at all once stopped', () => {
    const server = fakeServer();
    let resumes = 0;
    const stream = new EventStream(
      server.subscribe,
      () => {},
      () => resumes++,
    );
    stream.resume();
    expect(server.subscriptions).toHaveLength(0);
    stream.start();
    stream.pause();
    stream.resume();
    expect(server.subscriptions.map((s) => s.after)).toEqual([null, null]);
    stream.stop();
    stream.resume();
    expect(server.subscriptions).toHaveLength(2);
    expect(resumes).toBe(1);
  });

  it('starts over from now when the server will not resume from its cursor, and tells the owner to refresh', () => {
    const server = fakeServer();
    let resumes = 0;
    const stream = new EventStream(
      server.subscribe,
      () => {},
      () => resumes++,
    );
    stream.start();
    server.subscriptions[0]!.push(messageEvent('7'));
    stream.pause();
    stream.resume();
    // Away longer than the server's resume window: it answers CURSOR_EXPIRED.
    server.subscriptions[1]!.expire();
    expect(server.subscriptions.map((s) => [s.after, s.open])).toEqual([
      [null, false],
      ['cursor-7', false],
      [null, true],
    ]);
    expect(stream.cursor).toBeNull();
    expect(resumes).toBe(2);
  });
});
