import { describe, expect, it } from 'vitest';
import { presenceOf, directConversation } from './support/chat-events.ts';
import { signupMany, type TestUser } from './support/clients.ts';
import { useTestServer } from './support/harness.ts';
import { waitUntil } from './support/waits.ts';

/** What someone who shares no conversation with you can learn about you. */
const harness = useTestServer();

describe('a stranger', () => {
  it('sees no presence of people they share no conversation with, online or not; a partner does', async () => {
    const [alice, bob, stranger] = (await signupMany(harness.server, 3)) as [TestUser, TestUser, TestUser];
    await directConversation(harness.server, alice, bob);
    await harness.openClient(alice);
    await waitUntil(async () => (await presenceOf(harness.server, bob, alice))?.online === true, 'alice online');
    expect(await presenceOf(harness.server, stranger, alice)).toBeNull();
    expect(await presenceOf(harness.server, stranger, bob)).toBeNull();
  });
});
