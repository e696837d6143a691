import { describe, expect, it } from 'vitest';
import { ChatEvents, directConversation, setTyping } from './support/chat-events.ts';
import { sendMessage, signup } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

// Typing that lapses only after a minute, so that a `false` arriving within a test's waits has
// another cause; and one that lapses fast, for the lapse itself. The exact timings (the lapse
// to the millisecond, one event per interval) are `TypingService`'s unit test, on a fake clock.
const lasting = useTestServer({ env: { TYPING_LAPSE: '1m' } });
const LAPSE_MS = 300;
const lapsing = useTestServer({ env: { TYPING_LAPSE: `${LAPSE_MS}ms` } });

/** Two people with a direct conversation on `harness`'s server, each listening to their `events`. */
async function pair(harness: typeof lasting) {
  const server = harness.server;
  const [alice, bob] = await Promise.all([signup(server), signup(server)]);
  const conversationId = await directConversation(server, alice, bob);
  const [aliceClient, bobClient] = await Promise.all([harness.openClient(alice), harness.openClient(bob)]);
  const aliceSees = new ChatEvents(aliceClient);
  const bobSees = new ChatEvents(bobClient);
  harness.defer(aliceSees.dispose);
  harness.defer(bobSees.dispose);
  await Promise.all([aliceSees.ready(server, alice, bob), bobSees.ready(server, bob, alice)]);
  return { server, alice, bob, conversationId, aliceSees, bobSees };
}

describe('typing', () => {
  it('reaches the other person both ways, and lapses by itself TYPING_LAPSE after the last true', async () => {
    const { server, alice, bob, conversationId, aliceSees, bobSees } = await pair(lapsing);

    const called = Date.now();
    expect((await setTyping(server, alice, conversationId)).data).toEqual({ setTyping: true });
    const typing = await bobSees.next('TypingEvent', alice.username, (event) => event.typing === true);
    expect(typing.conversation).toEqual({ id: conversationId });
    expect((await setTyping(server, bob, conversationId)).data).toEqual({ setTyping: true });
    await aliceSees.next('TypingEvent', bob.username, (event) => event.typing === true);
    // Nobody is told of their own typing.
    expect(aliceSees.of('TypingEvent', alice.username)).toEqual([]);

    // No `false` is ever sent: the server ends it, and not before the lapse (a load can only delay it).
    const lapsed = await bobSees.next('TypingEvent', alice.username, (event) => !event.typing);
    expect((lapsed as { at: number }).at - called).toBeGreaterThanOrEqual(LAPSE_MS);
    await aliceSees.next('TypingEvent', bob.username, (event) => !event.typing);
    expect(bobSees.of('TypingEvent', alice.username).map((event) => event.typing)).toEqual([true, false]);
  });

  it('collapses many calls into a few events, each saying something new; past the cap, RATE_LIMITED', async () => {
    const { server, alice, conversationId, bobSees } = await pair(lasting);

    // 40 calls as fast as they go, alternating, as a client flapping between keystrokes and pauses would.
    const started = Date.now();
    for (let call = 0; call < 40; call++) {
      const result = await setTyping(server, alice, conversationId, call % 2 === 0);
      expect(result.errors).toBeUndefined();
    }
    const spent = Date.now() - started;
    // The last call said false: wait for what it settles to.
    await bobSees.next('TypingEvent', alice.username, (event) => !event.typing);
    const told = bobSees.of('TypingEvent', alice.username).map((event) => event.typing);
    // At most one event a second, the first at once and the last word at the end of its second.
    expect(told.length).toBeLessThanOrEqual(Math.ceil(spent / 1000) + 2);
    expect(told.every((typing, index) => index === 0 || typing !== told[index - 1])).toBe(true);

    // 40 calls so far in this window; the cap is 60 in 10 s.
    const results = [];
    for (let call = 0; call < 25; call++) results.push(await setTyping(server, alice, conversationId));
    const refused = results.filter((result) => result.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThan(0);
    expect(results.slice(0, 20).every((result) => result.data?.setTyping === true)).toBe(true);
    expect(refused[0]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('ends when the typist sends a message, long before the lapse', async () => {
    const { server, alice, bob, conversationId, bobSees } = await pair(lasting);
    await setTyping(server, alice, conversationId);
    await bobSees.next('TypingEvent', alice.username, (event) => event.typing === true);

    expect((await sendMessage(server, alice, bob.username, 'done typing')).data).toBeTruthy();
    // The lapse is a minute away: only the message can end it within this wait.
    await bobSees.next('TypingEvent', alice.username, (event) => !event.typing);
  });

  it('is refused for a conversation the caller is not in, and needs a session', async () => {
    const { server, conversationId } = await pair(lasting);
    const stranger = await signup(server);
    const refused = await setTyping(server, stranger, conversationId);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await setTyping(server, { id: '', username: '', token: '' }, conversationId);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
