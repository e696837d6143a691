import { resolve } from 'node:path';
import { it } from 'vitest';
import { logIn, openChat, openConversation, send, useWebApp, type Person } from './browser.ts';

const app = useWebApp();
const { harness } = app;
const out = (name: string) => resolve(import.meta.dirname, '../../docs/screenshots', name);

const person = (username: string): Promise<Person> => app.person(username);

/** Sends `text` as `who` and waits until it shows as stored. */
async function say(who: Person, text: string) {
  await send(who, text);
  await who.page.locator('[data-state="sent"]', { hasText: text }).waitFor();
}

it('writes the README screenshots', async () => {
  const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
  await openConversation(bob, alice.username);
  await say(bob, 'Hi Alice! Are we still on for the climbing gym on Saturday?');
  await openChat(alice, bob.username);
  await say(alice, 'Yes! 10 am works for me');
  await say(alice, 'They posted the new routes here: https://example.com/routes');
  await say(bob, 'Perfect. I will bring the spare shoes.');

  await carol.page.getByRole('button', { name: 'New group' }).click();
  const dialog = carol.page.getByRole('dialog');
  await dialog.getByLabel('Group name').fill('Weekend trip');
  for (const name of [alice.username, bob.username]) {
    await dialog.getByPlaceholder('Find people…').fill(name);
    await dialog.getByLabel(name, { exact: true }).check();
  }
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await carol.page.getByRole('heading', { name: 'Weekend trip', exact: true }).waitFor();
  await say(carol, 'Cabin is booked for Friday night');
  await openChat(bob, 'Weekend trip');
  await say(bob, 'Nice! Who drives?');

  await openChat(alice, bob.username);
  await alice.page.locator('.body', { hasText: 'Perfect. I will bring' }).waitFor();
  await alice.page.screenshot({ path: out('conversation-desktop.png') });
  await openChat(alice, 'Weekend trip');
  await alice.page.locator('.body', { hasText: 'Who drives?' }).waitFor();
  await say(alice, 'I can drive');
  await alice.page.screenshot({ path: out('group-desktop.png') });

  const phone = await app.browser.newContext({
    baseURL: harness.server.url,
    viewport: { width: 375, height: 740 },
  });
  harness.defer(() => phone.close());
  const page = await phone.newPage();
  await page.goto('/login/');
  await page.screenshot({ path: out('login.png') });
  await logIn(page, alice.username);
  await page.getByTestId('chat-row').nth(1).waitFor();
  await page.screenshot({ path: out('chat-list-phone.png') });
  await page.getByTestId('chat-row').filter({ hasText: bob.username }).click();
  await page.locator('.body', { hasText: 'Perfect. I will bring' }).waitFor();
  await page.screenshot({ path: out('conversation-phone.png') });
});
