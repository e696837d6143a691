import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, openChat, openConversation, send, shownBodies, useWebApp } from './browser.ts';

const app = useWebApp();

describe('drafts (finding 2)', () => {
  it('keeps what was typed per conversation across switching chats and a reload, shown in the list as "Draft: …"', async () => {
    const [alice, bob, carol] = [
      await app.person(uniqueName('alice')),
      await app.person(uniqueName('bob')),
      await app.person(uniqueName('carol')),
    ];
    for (const peer of [bob, carol]) {
      await openConversation(alice, peer.username);
      await send(alice, `hi ${peer.username}`);
      await expect.poll(() => shownBodies(alice.page)).toEqual([`hi ${peer.username}`]);
    }
    const composer = alice.page.getByLabel(/^Message to /);
    await openChat(alice, bob.username);
    await composer.fill('half a thought for Bob');
    await openChat(alice, carol.username);
    await expect.poll(() => composer.inputValue()).toBe('');
    await composer.fill('مرحبا Carol');
    const draftOf = (title: string) => chatRow(alice.page, title).getByTestId('draft');
    await expect.poll(() => draftOf(bob.username).textContent()).toBe('Draft: half a thought for Bob');

    await openChat(alice, bob.username);
    await expect.poll(() => composer.inputValue()).toBe('half a thought for Bob');
    await expect.poll(() => draftOf(carol.username).textContent()).toBe('Draft: مرحبا Carol');

    await alice.page.reload();
    await openChat(alice, carol.username);
    await expect.poll(() => composer.inputValue()).toBe('مرحبا Carol');
    await expect.poll(() => draftOf(bob.username).textContent()).toBe('Draft: half a thought for Bob');

    // Sent, it is no longer a draft.
    await composer.press('Enter');
    await openChat(alice, bob.username);
    await expect.poll(() => draftOf(carol.username).count()).toBe(0);
    await expect.poll(() => chatRow(alice.page, carol.username).locator('.preview').textContent()).toBe('You: مرحبا Carol');
    // Kept per person: bob, in his own browser, has no draft of alice's.
    await openChat(bob, alice.username);
    expect(await bob.page.getByLabel(/^Message to /).inputValue()).toBe('');
  });
});
