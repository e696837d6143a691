import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  chatRow,
  graphqlAs,
  groupOf,
  openChat,
  seriousA11yProblems,
  send,
  shownBodies,
  useWebApp,
} from './browser.ts';

const app = useWebApp();
const { harness } = app;

/** What the page is painted with: the body's background, as the system's colour scheme decides it. */
const backdrop = (page: Page) =>
  page.evaluate(
    () => getComputedStyle(document.body.querySelector('.chat, .card') ?? document.body).backgroundColor,
  );

describe('contrast of every view, in light and dark (issue 19, finding 14 and dark mode)', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`keeps all text at 4.5:1 or more with a ${colorScheme} system setting`, async () => {
      const context = await app.browser.newContext({ baseURL: harness.server.url, colorScheme });
      harness.defer(() => context.close());
      const page = await context.newPage();
      await page.goto('/login/');
      // Dark mode is real: the card is dark when the system is.
      const [red] = (await backdrop(page)).match(/\d+/g)!.map(Number);
      expect(colorScheme === 'dark' ? red! < 80 : red! > 200).toBe(true);
      expect(await seriousA11yProblems(page)).toEqual([]);

      await page.goto('/signup/');
      await page.locator('input[name=username]').fill('a b');
      await page.locator('input[name=password1]').fill('short');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.locator('#username-error').waitFor();
      expect(await seriousA11yProblems(page)).toEqual([]);

      const [alice, bob] = [await app.person(uniqueName('alice')), await app.person(uniqueName('bob'))];
      await alice.page.emulateMedia({ colorScheme });
      const title = 'Colour club';
      const id = await groupOf(bob, title, [alice.username]);
      await graphqlAs(
        bob,
        'mutation ($id: ID, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }',
        {
          id,
          body: 'from bob, with `code` and **bold**',
        },
      );
      // The chat list, with an unread badge.
      await alice.page.reload();
      await chatRow(alice.page, title).getByTestId('unread').waitFor();
      expect(await seriousA11yProblems(alice.page)).toEqual([]);

      // An open conversation: someone else's message, and your own with its time and receipt.
      await openChat(alice, title);
      await send(alice, 'from alice');
      await expect
        .poll(() => shownBodies(alice.page))
        .toEqual(['from bob, with code and bold', 'from alice']);
      await alice.page.locator('[data-state="sent"]').last().waitFor();
      expect(await seriousA11yProblems(alice.page)).toEqual([]);

      await alice.page.getByTestId('member-line').click();
      await alice.page.getByTestId('members-panel').getByTestId('member').first().waitFor();
      expect(await seriousA11yProblems(alice.page)).toEqual([]);
      await alice.page
        .getByTestId('members-panel')
        .getByRole('button', { name: /^Close/ })
        .click();

      await alice.page.getByRole('button', { name: 'Settings' }).click();
      const settings = alice.page.getByRole('dialog', { name: 'Settings' });
      for (const tab of ['Profile', 'Security', 'Privacy', 'Notifications', 'Account']) {
        await settings.getByRole('tab', { name: tab }).click();
        expect(await seriousA11yProblems(alice.page), tab).toEqual([]);
      }
    });
  }
});
