import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationRef } from '../../domain/conversations.ts';
import { backgroundRunner } from '../../lib/background.ts';
import { createInProcessBus } from '../../realtime/bus.ts';
import { TypingService } from './typing.ts';

const LAPSE_MS = 6_000;
const INTERVAL_MS = 1_000;
const ALICE = { id: 1, username: 'alice' };
const BOB = { id: 2, username: 'bob' };

/**
 * The service on fake timers and an in-process bus, with Alice and Bob in
 * conversation 7 (the membership and block lookups stand in for PostgreSQL).
 * `told` is what Bob hears of Alice's typing, with the fake clock's time.
 */
function typingOfAliceToBob() {
  const log = pino({ level: 'silent' });
  const bus = createInProcessBus(log);
  const typing = new TypingService(
    bus,
    { memberIds: () => Promise.resolve([ALICE.id, BOB.id]) },
    { blockedAmong: () => Promise.resolve(new Set<number>()) },
    backgroundRunner(log),
    { lapseMs: LAPSE_MS, intervalMs: INTERVAL_MS },
    () => Date.now(),
  );
  typing.start();
  const told: Array<{ typing: boolean; at: number }> = [];
  bus.subscribeToUser(BOB.id, (event) => {
    if (event.type === 'typing' && event.user.id === ALICE.id)
      told.push({ typing: event.typing, at: Date.now() });
  });
  // What the conversations module's access check hands the GraphQL resolver.
  const conversation = { id: 7, kind: 'DIRECT', viewer: ALICE, peer: BOB } as unknown as ConversationRef;
  const sendsMessage = () =>
    bus.publishToUsers([ALICE.id, BOB.id], {
      type: 'message',
      id: '1',
      conversationId: 7,
      seq: 1,
      streamSeq: 1,
      streamAt: new Date().toISOString(),
      version: 1,
      kind: 'TEXT',
      body: 'hi',
      clientId: null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
      replyToId: null,
      mentionsEveryone: false,
      sender: ALICE,
      receiver: BOB,
    });
  return { told, set: (on: boolean) => typing.set(conversation, on), sendsMessage };
}

/** Moves the fake clock to `at` ms after the test began, running the timers and the work they start. */
const at = (ms: number) => vi.advanceTimersByTimeAsync(ms - Date.now());

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TypingService', () => {
  it('tells the others at once, and lapses exactly lapseMs after the last true, not before', async () => {
    const { told, set } = typingOfAliceToBob();
    set(true);
    await at(0);
    expect(told).toEqual([{ typing: true, at: 0 }]);
    // A true again restarts the lapse and tells nobody anything new.
    await at(3_000);
    set(true);
    await at(3_000 + LAPSE_MS - 1);
    expect(told).toEqual([{ typing: true, at: 0 }]);
    await at(3_000 + LAPSE_MS);
    expect(told).toEqual([
      { typing: true, at: 0 },
      { typing: false, at: 3_000 + LAPSE_MS },
    ]);
  });

  it('collapses calls into at most one event per interval, and the last word wins', async () => {
    const { told, set } = typingOfAliceToBob();
    // A client flapping every 50 ms for 2.5 s, ending on false.
    for (let call = 0; call < 50; call++) {
      set(call % 2 === 0);
      await at((call + 1) * 50);
    }
    await at(10_000);
    const gaps = told.slice(1).map((event, index) => event.at - told[index]!.at);
    expect(gaps.every((gap) => gap >= INTERVAL_MS)).toBe(true);
    expect(told.length).toBeLessThanOrEqual(4);
    expect(told.at(-1)).toMatchObject({ typing: false });
    // Each event says something new: never true twice in a row, nor false.
    expect(told.every((event, index) => index === 0 || event.typing !== told[index - 1]!.typing)).toBe(true);
  });

  it('ends with a sent message: at once when the interval allows, else when it ends', async () => {
    const { told, set, sendsMessage } = typingOfAliceToBob();
    set(true);
    await at(1_500);
    await sendsMessage();
    await at(1_500);
    expect(told).toEqual([
      { typing: true, at: 0 },
      { typing: false, at: 1_500 },
    ]);

    set(true);
    await at(2_500);
    expect(told.at(-1)).toEqual({ typing: true, at: 2_500 });
    await at(2_800);
    await sendsMessage();
    await at(3_500 - 1);
    expect(told).toHaveLength(3);
    await at(3_500);
    expect(told.at(-1)).toEqual({ typing: false, at: 3_500 });
    await at(20_000);
    expect(told).toHaveLength(4);
  });
});
