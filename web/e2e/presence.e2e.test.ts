import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, openChat, openConversation, send, shownBodies, type Person, useWebApp } from './browser.ts';

// A closed tab counts as gone after 1 s rather than 30 s, so the test sees "last seen" come.
const app = useWebApp({ env: { PRESENCE_OFFLINE_GRACE: '1s' } });

const person = (prefix: string): Promise<Person> => app.person(uniqueName(prefix));

const waitForBodies = (who: Person, expected: string[]) =>
  expect.poll(() => shownBodies(who.page), { timeout: 15_000, interval: 100 }).toEqual(expected);

/** Two people with a direct conversation, both looking at it. */
async function pair(): Promise<[Person, Person]> {
  const alice = await person('alice');
  const bob = await person('bob');
  await openConversation(alice, bob.username);
  await send(alice, 'hi');
  await waitForBodies(alice, ['hi']);
  await openChat(bob, alice.username);
  await waitForBodies(bob, ['hi']);
  return [alice, bob];
}

const typingLine = (who: Person) => who.page.getByTestId('typing');
const composer = (who: Person) => who.page.getByLabel(/^Message to /);

describe('typing, presence and blocking in the web client', () => {
  it('shows "… is typing" to the other person while one types, and not after sending or emptying', async () => {
    const [alice, bob] = await pair();
    await composer(bob).pressSequentially('hel');
    await expect.poll(() => typingLine(alice).textContent()).toBe(`${bob.username} is typing…`);
    await composer(bob).pressSequentially('lo');
    await composer(bob).press('Enter');
    await waitForBodies(alice, ['hi', 'hello']);
    await expect.poll(() => typingLine(alice).count()).toBe(0);

    // Emptying the draft says "stopped" at once: well before the 6 s the server would wait.
    await composer(bob).pressSequentially('wait');
    await typingLine(alice).waitFor();
    await composer(bob).fill('');
    await expect.poll(() => typingLine(alice).count(), { timeout: 4_000 }).toBe(0);
    // The typist never sees their own line.
    expect(await typingLine(bob).count()).toBe(0);
  });

  it('shows the other person online in a direct chat, with a dot on the row, then "last seen" once they leave', async () => {
    const [alice, bob] = await pair();
    const status = alice.page.getByTestId('presence');
    await expect.poll(() => status.textContent()).toContain('online');
    const rowDot = chatRow(alice.page, bob.username).getByTestId('presence-dot');
    await expect.poll(() => rowDot.getAttribute('data-online')).toBe('true');

    await bob.context.close();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('last seen just now');
    await expect.poll(() => rowDot.getAttribute('data-online')).toBe('false');
  });

  it('blocks from the menu: the composer gives way to a banner; unblocking in settings restores it', async () => {
    const [alice, bob] = await pair();
    await alice.page.getByLabel('Conversation menu').click();
    await alice.page.getByRole('button', { name: `Block ${bob.username}` }).click();
    // Blocking asks first; Cancel blocks nobody.
    const confirm = alice.page.getByRole('dialog', { name: `Block ${bob.username}?` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await alice.page.getByRole('button', { name: `Unblock ${bob.username}` }).count()).toBe(0);
    await alice.page.getByRole('button', { name: `Block ${bob.username}` }).click();
    await confirm.getByRole('button', { name: 'Block' }).click();
    await alice.page.getByRole('button', { name: `Unblock ${bob.username}` }).waitFor();

    // Blocked, there is no composer, but a line that says so.
    await expect.poll(() => alice.page.getByTestId('blocked-banner').textContent()).toContain(`You blocked ${bob.username}`);
    expect(await alice.page.getByLabel(/^Message to /).count()).toBe(0);
    // Blocked, they see no presence of each other.
    await expect.poll(() => alice.page.getByTestId('presence').count()).toBe(0);

    await alice.page.getByRole('button', { name: 'Settings' }).click();
    const settings = alice.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Privacy' }).click();
    await expect
      .poll(() => settings.getByTestId('blocked-person').allTextContents())
      .toEqual([expect.stringContaining(bob.username)]);
    await settings.getByRole('button', { name: `Unblock ${bob.username}` }).click();
    await settings.getByText('Nobody.').waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();

    await send(alice, 'back again');
    await waitForBodies(bob, ['hi', 'back again']);
  });

  it("names everyone typing in a group, and folds a blocked member's messages for the blocker only", async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    await alice.page.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.page.getByRole('dialog');
    await dialog.getByLabel('Group name').fill('Book club');
    for (const member of [bob, carol]) {
      await dialog.getByPlaceholder('Find people…').fill(member.username);
      await dialog.getByLabel(member.username, { exact: true }).check();
    }
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: 'Book club', exact: true }).waitFor();
    await openChat(bob, 'Book club');
    await openChat(carol, 'Book club');

    await composer(bob).pressSequentially('I think');
    await composer(carol).pressSequentially('Me too');
    const names = [bob.username, carol.username];
    await expect
      .poll(() => typingLine(alice).textContent())
      .toBeOneOf([`${names[0]} and ${names[1]} are typing…`, `${names[1]} and ${names[0]} are typing…`]);
    await composer(bob).fill('');
    await composer(carol).fill('');

    await alice.page.getByTestId('member-line').click();
    await alice.page.getByRole('button', { name: `Actions for ${carol.username}` }).click();
    await alice.page.getByRole('button', { name: `Block ${carol.username}` }).click();
    await alice.page.getByRole('dialog', { name: `Block ${carol.username}?` }).getByRole('button', { name: 'Block' }).click();
    await alice.page.getByRole('button', { name: `Unblock ${carol.username}` }).waitFor();
    await alice.page.getByRole('button', { name: 'Close the member list' }).click();
    await send(carol, 'spoiler: the butler did it');
    await waitForBodies(bob, ['spoiler: the butler did it']);
    const folded = alice.page.getByTestId('blocked-message');
    await folded.waitFor();
    expect(await shownBodies(alice.page)).toEqual([]);
    await folded.getByRole('button', { name: 'show' }).click();
    await waitForBodies(alice, ['spoiler: the butler did it']);
  });

  it('hides presence both ways once the setting is off', async () => {
    const [alice, bob] = await pair();
    const status = alice.page.getByTestId('presence');
    await expect.poll(() => status.textContent()).toContain('online');
    await alice.page.getByRole('button', { name: 'Settings' }).click();
    const settings = alice.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Privacy' }).click();
    await settings.getByLabel(/Show when I am online/).uncheck();
    await settings.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => status.count()).toBe(0);
    await expect.poll(() => chatRow(alice.page, bob.username).getByTestId('presence-dot').count()).toBe(0);
    await bob.page.reload();
    await openChat(bob, alice.username);
    await waitForBodies(bob, ['hi']);
    expect(await bob.page.getByTestId('presence').count()).toBe(0);
  });

  it('shows a block, an unblock and hidden presence on the other person’s open screen at once (findings 6, 7)', async () => {
    const [alice, bob] = await pair();
    const bobSees = bob.page.getByTestId('presence');
    await expect.poll(() => bobSees.textContent()).toContain('online');

    await alice.page.getByLabel('Conversation menu').click();
    await alice.page.getByRole('button', { name: `Block ${bob.username}` }).click();
    await alice.page.getByRole('dialog', { name: `Block ${bob.username}?` }).getByRole('button', { name: 'Block' }).click();
    const aliceBanner = alice.page.getByTestId('blocked-banner');
    await expect.poll(() => aliceBanner.textContent()).toMatch(new RegExp(`You blocked ${bob.username} —\\s*Unblock`));
    expect(await composer(alice).count()).toBe(0);
    // Bob, without reloading: no composer, a line saying why, and no presence.
    const bobBanner = bob.page.getByTestId('blocked-banner');
    await expect.poll(() => bobBanner.textContent()).toContain(`You cannot message ${alice.username}.`);
    expect(await composer(bob).count()).toBe(0);
    await expect.poll(() => bobSees.count()).toBe(0);

    await aliceBanner.getByRole('button', { name: 'Unblock' }).click();
    await composer(alice).waitFor();
    await composer(bob).waitFor();
    await expect.poll(() => bobSees.textContent()).toContain('online');
    await send(bob, 'friends again');
    await waitForBodies(alice, ['hi', 'friends again']);

    // Alice stops sharing her presence: bob's screen shows none, at once.
    await alice.page.getByRole('button', { name: 'Settings' }).click();
    const settings = alice.page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Privacy' }).click();
    await settings.getByLabel(/Show when I am online/).uncheck();
    await expect.poll(() => bobSees.count()).toBe(0);
    await expect.poll(() => chatRow(bob.page, alice.username).getByTestId('presence-dot').count()).toBe(0);
  });
});
