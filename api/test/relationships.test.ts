import { describe, expect, it } from 'vitest';
import { gql, signup, type TestUser } from './support/clients.ts';
import { openEvents, send, type ChatEvent } from './support/conversations.ts';
import { useTestServer } from './support/harness.ts';
import { ok } from './support/message-changes.ts';

/** Blocks and presence sharing reach the other person's open screens at once (a RelationshipEvent). */
const harness = useTestServer();
const server = () => harness.server;

const mutate = (viewer: TestUser, mutation: string, variables: Record<string, unknown> = {}) =>
  gql(server(), mutation, variables, { token: viewer.token });
const block = (viewer: TestUser, other: TestUser, verb: 'block' | 'unblock' = 'block') =>
  mutate(viewer, `mutation ($u: String!) { ${verb}(username: $u) }`, { u: other.username });
const sharePresence = (viewer: TestUser, share: boolean) =>
  mutate(viewer, 'mutation ($s: Boolean) { updateSettings(sharePresence: $s) { sharePresence } }', { s: share });

const relationships = (events: readonly ChatEvent[]) =>
  events.flatMap((event) => (event.__typename === 'RelationshipEvent' ? [event.user] : []));

describe('relationship events', () => {
  it('tell both people of a block and an unblock at once, with what each now sees; a repeat tells nobody', async () => {
    const [alice, bob, pinger] = [await signup(server()), await signup(server()), await signup(server())];
    await send(server(), alice, bob, 'hello');
    const [aliceSees, bobSees] = [await openEvents(harness, alice, pinger), await openEvents(harness, bob, pinger)];

    ok(await block(alice, bob));
    await bobSees.waitFor(() => relationships(bobSees.events).length === 1, 'the block, on the blocked side');
    await aliceSees.waitFor(() => relationships(aliceSees.events).length === 1, 'the block, on the blocker’s side');
    expect(relationships(bobSees.events)).toEqual([
      { username: alice.username, blockedByMe: false, blocksMe: true, presence: null },
    ]);
    expect(relationships(aliceSees.events)).toEqual([
      { username: bob.username, blockedByMe: true, blocksMe: false, presence: null },
    ]);

    ok(await block(alice, bob));
    ok(await block(alice, bob, 'unblock'));
    await bobSees.waitFor(() => relationships(bobSees.events).length === 2, 'the unblock');
    // The repeated block told nobody: the next event is the unblock.
    expect(relationships(bobSees.events)[1]).toMatchObject({ username: alice.username, blocksMe: false });
    expect(relationships(bobSees.events)[1]!.presence).not.toBeNull();
  });

  it('tell every conversation partner when someone stops or starts sharing presence; the same value tells nobody', async () => {
    const [alice, bob, carol, pinger] = [
      await signup(server()),
      await signup(server()),
      await signup(server()),
      await signup(server()),
    ];
    await send(server(), alice, bob, 'hello');
    const bobSees = await openEvents(harness, bob, pinger);
    const carolSees = await openEvents(harness, carol, pinger);

    ok(await sharePresence(alice, false));
    await bobSees.waitFor(() => relationships(bobSees.events).length === 1, 'presence hidden');
    expect(relationships(bobSees.events)[0]).toMatchObject({ username: alice.username, presence: null });
    ok(await sharePresence(alice, false));
    ok(await sharePresence(alice, true));
    await bobSees.waitFor(() => relationships(bobSees.events).length === 2, 'presence shown again');
    expect(relationships(bobSees.events)[1]!.presence).not.toBeNull();
    // Carol shares no conversation with Alice: she hears nothing of it.
    await send(server(), pinger, carol, 'after');
    await carolSees.waitFor(() => carolSees.events.length > 0 && carolSees.events.at(-1)!.__typename === 'MessageEvent', 'a later message');
    expect(relationships(carolSees.events)).toEqual([]);
  });
});
