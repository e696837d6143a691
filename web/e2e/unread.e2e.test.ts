import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { chatList, chatRow, graphqlAs, useWebApp } from './browser.ts';

const app = useWebApp();

const SEND = 'mutation ($to: String!, $body: String!) { sendMessage(to: $to, body: $body) { id } }';

describe('unread badges (finding 4)', () => {
  it('count all of a new chat’s first messages arriving quickly, while the row is on its way (7 of 7)', async () => {
    const [alice, bob] = [await app.person(uniqueName('alice')), await app.person(uniqueName('bob'))];
    // A slow phone network: the answer with the new row comes 2.5 s after the server read it.
    await alice.page.route((url) => url.pathname === '/graphql', async (route) => {
      // Queries go as GETs (the operation in the address), mutations as POSTs.
      if (!route.request().url().includes('ConversationSummary')) return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await route.fulfill({ response });
    });
    for (let n = 1; n <= 7; n++) await graphqlAs(bob, SEND, { to: alice.username, body: `quick ${n}` });
    // Once the last one shows, the count is right at once, not after some later refresh.
    await expect.poll(() => chatRow(alice.page, bob.username).locator('.preview').textContent()).toBe('quick 7');
    expect(await chatList(alice.page)).toEqual([[bob.username, '7']]);
    // And it stays so: the server, asked afresh, agrees.
    await alice.page.reload();
    await expect.poll(() => chatList(alice.page)).toEqual([[bob.username, '7']]);
  });
});
