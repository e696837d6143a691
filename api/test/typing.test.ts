import { describe, expect, it } from 'vitest';
import { ChatEvents, directConversation, setTyping } from './support/chat-events.ts';
import { sendMessage, signup } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';

const harness = useTestServer();
const server = () => harness.server;

/** Two people with a direct conversation, each listening to their `events`. */
async function pair() {
  const [alice, bob] = await Promise.all([signup(server()), signup(server())]);
  const conversationId = await directConversation(server(), alice, bob);
  const [aliceClient, bobClient] = await Promise.all([harness.openClient(alice), harness.openClient(bob)]);
  const aliceSees = new ChatEvents(aliceClient);
  const bobSees = new ChatEvents(bobClient);
  harness.defer(aliceSees.dispose);
  harness.defer(bobSees.dispose);
  await Promise.all([aliceSees.ready(server(), alice, bob), bobSees.ready(server(), bob, alice)]);
  return { alice, bob, conversationId, aliceSees, bobSees };
}

describe('typing', () => {
  it('reaches the other person both ways, and lapses by itself 6 s after the last true', async () => {
    const { alice, bob, conversationId, aliceSees, bobSees } = await pair();

    const started = Date.now();
    expect((await setTyping(server(), alice, conversationId)).data).toEqual({ setTyping: true });
    const typing = await bobSees.next('TypingEvent', alice.username, (event) => event.typing === true);
    expect(typing.conversation).toEqual({ id: conversationId });
    expect((await setTyping(server(), bob, conversationId)).data).toEqual({ setTyping: true });
    await aliceSees.next('TypingEvent', bob.username, (event) => event.typing === true);
    // Nobody is told of their own typing.
    expect(aliceSees.of('TypingEvent', alice.username)).toEqual([]);

    // No `false` is ever sent: the server ends it.
    const lapsed = await bobSees.next('TypingEvent', alice.username, (event) => !event.typing, 10_000);
    const after = (lapsed as { at: number }).at - started;
    expect(after).toBeGreaterThanOrEqual(6_000);
    expect(after).toBeLessThan(7_500);
    await aliceSees.next('TypingEvent', bob.username, (event) => !event.typing, 10_000);
    expect(bobSees.of('TypingEvent', alice.username).map((event) => event.typing)).toEqual([true, false]);
  }, 30_000);

  it('collapses many calls into at most one event a second; past the cap, RATE_LIMITED', async () => {
    const { alice, conversationId, bobSees } = await pair();

    // 40 calls over about 2 s, alternating, as a client flapping between keystrokes and pauses would.
    const started = Date.now();
    for (let call = 0; call < 40; call++) {
      const result = await setTyping(server(), alice, conversationId, call % 2 === 0);
      expect(result.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const spent = Date.now() - started;
    // The last call said false: wait for what it settles to.
    await bobSees.next('TypingEvent', alice.username, (event) => !event.typing, 5_000);
    const times = bobSees.of('TypingEvent', alice.username).map((event) => (event as { at: number }).at);
    expect(times.length).toBeLessThanOrEqual(Math.ceil(spent / 1000) + 2);
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(900);

    // 40 calls so far in this window; the cap is 60 in 10 s.
    const results = [];
    for (let call = 0; call < 25; call++) results.push(await setTyping(server(), alice, conversationId));
    const refused = results.filter((result) => result.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThan(0);
    expect(results.slice(0, 20).every((result) => result.data?.setTyping === true)).toBe(true);
    expect(refused[0]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('ends when the typist sends a message, long before the lapse', async () => {
    const { alice, bob, conversationId, bobSees } = await pair();
    await setTyping(server(), alice, conversationId);
    await bobSees.next('TypingEvent', alice.username, (event) => event.typing === true);

    const sent = Date.now();
    expect((await sendMessage(server(), alice, bob.username, 'done typing')).data).toBeTruthy();
    const stopped = await bobSees.next('TypingEvent', alice.username, (event) => !event.typing, 3_000);
    // At most one event a second: the `false` may wait out the second that began with `true`.
    expect((stopped as { at: number }).at - sent).toBeLessThan(1_500);
  });

  it('is refused for a conversation the caller is not in, and needs a session', async () => {
    const { conversationId } = await pair();
    const stranger = await signup(server());
    const refused = await setTyping(server(), stranger, conversationId);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await setTyping(server(), { id: '', username: '', token: '' }, conversationId);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
