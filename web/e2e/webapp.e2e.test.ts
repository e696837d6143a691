import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  conversationId,
  loggedIn,
  logIn,
  openChat,
  openConversation,
  seriousA11yProblems,
  send,
  shownBodies,
  type Person,
  useWebApp,
} from './browser.ts';

const app = useWebApp();
const { harness } = app;

const PHONE = { width: 375, height: 740 };

const person = (prefix: string, viewport?: { width: number; height: number }): Promise<Person> =>
  app.person(uniqueName(prefix), { viewport });

const waitForBodies = (page: Page, expected: string[], timeout = 15_000) =>
  expect.poll(() => shownBodies(page), { timeout, interval: 100 }).toEqual(expected);

/** Two people in a direct conversation that exists (one message in it); returns its id. */
async function chatting(a: Person, b: Person): Promise<string> {
  await openConversation(a, b.username);
  await send(a, 'hello');
  await waitForBodies(a.page, ['hello']);
  const id = await conversationId(a.page);
  await b.page.goto(`/c/${id}`);
  await waitForBodies(b.page, ['hello']);
  return id;
}

const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

describe('the outbox (why 1, 2)', () => {
  it('sends what was typed offline when the connection is back, and after a reload, each once', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    const id = await chatting(alice, bob);

    await alice.context.setOffline(true);
    await send(alice, 'offline 1');
    await send(alice, 'offline 2');
    // Shown at once, with why it is not through yet; nobody presses Retry.
    await waitForBodies(alice.page, ['hello', 'offline 1', 'offline 2']);
    await alice.page.locator('[data-state="waiting"]').first().getByText('No connection').waitFor();
    // One status for both, not "sending…" forever behind the first.
    await expect.poll(() => alice.page.locator('[data-state="waiting"]').count()).toBe(2);
    await alice.context.setOffline(false);
    await waitForBodies(bob.page, ['hello', 'offline 1', 'offline 2'], 30_000);
    await expect.poll(() => alice.page.locator('[data-state="sent"]').count(), { timeout: 15_000 }).toBe(3);

    // Typed offline, then the page reloaded while still offline: it is kept, and sent on the next visit.
    await alice.context.setOffline(true);
    await send(alice, 'kept across a reload');
    await alice.page.locator('[data-state="waiting"]').waitFor();
    await alice.page.reload().catch(() => 'the reload fails: offline');
    await alice.context.setOffline(false);
    await alice.page.goto(`/c/${id}`);
    const all = ['hello', 'offline 1', 'offline 2', 'kept across a reload'];
    await waitForBodies(bob.page, all, 30_000);
    await waitForBodies(alice.page, all, 30_000);
    // Stored once each: the server's history, fresh.
    await bob.page.reload();
    await waitForBodies(bob.page, all);
    // Emptied once the last send's answer is in, which can come after the message reached Bob.
    await expect
      .poll(() =>
        alice.page.evaluate(() =>
          Object.entries(localStorage)
            .filter(([key]) => key.startsWith('chat.outbox'))
            .map(([key, value]) => `${key}: ${value}`),
        ),
      )
      .toEqual([]);
  });

  it('stores 40 quick sends in the order they were typed', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob);
    const typed = Array.from({ length: 40 }, (_, n) => `quick ${String(n).padStart(2, '0')}`);
    // A network whose requests take uneven times (as on a phone): sends sent side by side would overtake each other.
    let sends = 0;
    await alice.page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes('SendMessage')) {
        const delay = (sends++ * 37) % 150;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      await route.continue();
    });
    const composer = alice.page.getByLabel(/^Message to /);
    for (const text of typed) {
      await composer.fill(text);
      await composer.press('Enter');
    }
    await waitForBodies(bob.page, ['hello', ...typed], 60_000);
    // Stored in that order: a fresh page of history (the newest 40) shows the same.
    await bob.page.reload();
    await waitForBodies(bob.page, typed);
  });
});

describe('layout (why 3, 8)', () => {
  it('fills the window at 1280 and 1920 px, with stable widths with and without a conversation', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    for (const width of [1280, 1920]) {
      await alice.page.setViewportSize({ width, height: 900 });
      await alice.page.goto('/');
      await loggedIn(alice.page, alice.username);
      const empty = [
        await box(alice.page, '.chat'),
        await box(alice.page, '.sidebar'),
        await box(alice.page, '.main'),
      ];
      await openConversation(alice, bob.username);
      await send(alice, `a long message at ${width} px ${'that goes on and on '.repeat(40)}`);
      await alice.page.locator('[data-state="sent"]', { hasText: `at ${width} px` }).waitFor();
      const open = [
        await box(alice.page, '.chat'),
        await box(alice.page, '.sidebar'),
        await box(alice.page, '.main'),
      ];
      for (const [chat, sidebar, main] of [empty, open]) {
        expect(chat!.width).toBe(width);
        expect(chat!.height).toBe(900);
        expect(sidebar!.width).toBe(width >= 1600 ? 400 : 340);
        expect(main!.width).toBe(width - sidebar!.width);
      }
    }
  });

  it('on a phone: the list full screen, a conversation full screen with Back, touch targets of 44 px', async () => {
    const [alice, bob] = [await person('alice', PHONE), await person('bob')];
    const page = alice.page;
    expect((await box(page, '.sidebar')).width).toBe(375);
    expect(await page.locator('.main').isVisible()).toBe(false);
    expect((await box(page, 'button.logout')).height).toBeGreaterThanOrEqual(44);
    await openConversation(alice, bob.username);
    expect(await page.locator('.sidebar').isVisible()).toBe(false);
    expect((await box(page, '.conversation')).width).toBe(375);
    const composer = await box(page, '.composer');
    expect(composer.y + composer.height).toBeLessThanOrEqual(740);
    const back = page.getByRole('button', { name: /Back/ });
    expect((await back.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await back.click();
    await page.locator('.sidebar').waitFor();
    expect(await page.locator('.conversation').count()).toBe(0);
  });
});

describe('addresses and the session (why 5, 6)', () => {
  it('gives each conversation an address that survives a reload, Back/Forward and a bookmark', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    const withBob = await chatting(alice, bob);
    await alice.page.reload();
    await alice.page.getByRole('heading', { name: bob.username, exact: true }).waitFor();
    await waitForBodies(alice.page, ['hello']);

    await openConversation(alice, carol.username);
    await send(alice, 'hi carol');
    const withCarol = await conversationId(alice.page);
    expect(withCarol).not.toBe(withBob);
    await alice.page.goBack();
    await alice.page.getByRole('heading', { name: bob.username, exact: true }).waitFor();
    expect(new URL(alice.page.url()).pathname).toBe(`/c/${withBob}`);
    await alice.page.goForward();
    await alice.page.getByRole('heading', { name: carol.username, exact: true }).waitFor();

    const bookmark = await alice.context.newPage();
    await bookmark.goto(`/c/${withBob}`);
    await waitForBodies(bookmark, ['hello']);
    // Nothing signed-in comes from a cache.
    const page = await alice.page.request.get('/');
    expect(page.headers()['cache-control']).toBe('no-store');
    const me = await alice.page.request.get('/graphql?query=%7Bme%7Bid%7D%7D');
    expect(me.headers()['cache-control']).toBe('no-store');
  });

  it('takes every tab to the login page, saying why, when one tab logs out; Back shows no signed-in page', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob);
    const id = await conversationId(alice.page);
    const other = await alice.context.newPage();
    await other.goto(`/c/${id}`);
    await waitForBodies(other, ['hello']);
    await other.getByRole('button', { name: 'Log out' }).click();
    await other.waitForURL('**/login/');
    await alice.page.waitForURL('**/login/**');
    await alice.page.getByText(/logged out in another tab|session ended/).waitFor();
    // Back in the tab that logged out: the conversation's address asks the server again, which sends it to log in.
    await other.goBack();
    await other.waitForURL(`**/login/?next=/c/${id}`);
    expect(await other.getByText('Logged in as').count()).toBe(0);
    // Logging in again goes back to where the person was.
    await logIn(other, alice.username);
    await waitForBodies(other, ['hello']);
    expect(new URL(other.url()).pathname).toBe(`/c/${id}`);
  });
});

describe('accessibility (why 7)', () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 375, height: 740 },
  ]) {
    it(`has no serious or critical axe findings at ${viewport.width}×${viewport.height}`, async () => {
      const context = await app.browser.newContext({ baseURL: harness.server.url, viewport });
      harness.defer(() => context.close());
      const page = await context.newPage();
      await page.goto('/login/');
      expect(await seriousA11yProblems(page)).toEqual([]);
      await page.goto('/signup/');
      const fill = async (fields: Record<string, string>) => {
        for (const [name, text] of Object.entries(fields))
          await page.locator(`input[name=${name}]`).fill(text);
      };
      /** Each field's error as shown beside it, and whether the field is marked invalid and described by it. */
      const errors = () =>
        page.locator('input').evaluateAll((inputs) =>
          inputs.flatMap((input) => {
            const error = document.getElementById(`${input.getAttribute('name')}-error`);
            if (!error) return [];
            const described = input.getAttribute('aria-describedby')?.includes(error.id) ?? false;
            return [
              [input.getAttribute('name'), error.textContent, input.getAttribute('aria-invalid'), described],
            ];
          }),
        );
      // Every error the browser can see, at once, each by its field, the limits in words.
      await fill({ username: 'a b', email: 'someone@', password1: 'short', password2: 'shorter' });
      await page.getByRole('button', { name: 'Sign up' }).click();
      await expect.poll(errors).toEqual([
        ['username', 'A username can have letters, digits and @ . + - _ only (no spaces).', 'true', true],
        ['email', 'Enter an email address like name@example.com.', 'true', true],
        ['password1', 'Use at least 8 characters (this has 5).', 'true', true],
        ['password2', 'The two passwords are not the same.', 'true', true],
      ]);
      expect(await seriousA11yProblems(page)).toEqual([]);
      // What only the server knows (a name mixing Latin and Cyrillic) comes back beside its field, what was typed kept.
      await fill({
        username: 'p\u0430ypal',
        email: 'someone@example.com',
        password1: 'correct horse battery staple',
        password2: 'correct horse battery staple',
      });
      await page.getByRole('button', { name: 'Sign up' }).click();
      await expect
        .poll(errors)
        .toEqual([
          [
            'username',
            'A username cannot mix letters from different scripts (such as Latin and Cyrillic).',
            'true',
            true,
          ],
        ]);
      expect(await page.locator('input[name=email]').inputValue()).toBe('someone@example.com');
      expect(await page.locator('input[name=password1]').inputValue()).toBe('correct horse battery staple');
      expect(await seriousA11yProblems(page)).toEqual([]);

      const [alice, bob] = [await person('alice', viewport), await person('bob')];
      expect(await seriousA11yProblems(alice.page)).toEqual([]);
      await chatting(alice, bob);
      expect(await seriousA11yProblems(alice.page)).toEqual([]);
    });
  }

  it('lets the keyboard alone open a chat and read older history', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(bob, alice);
    // More than a page of history (50), sent straight through the API.
    await bob.page.evaluate(
      async (id) => {
        for (let n = 0; n < 70; n++) {
          await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query:
                'mutation($id: ID, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }',
              variables: { id, body: `old ${String(n).padStart(2, '0')}` },
            }),
          });
        }
      },
      await conversationId(bob.page),
    );
    const page = alice.page;
    await page.goto('/');
    await loggedIn(page, alice.username);
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim().slice(0, 40) ?? '');
    const tabTo = async (matches: () => Promise<boolean>) => {
      for (let n = 0; n < 30 && !(await matches()); n++) await page.keyboard.press('Tab');
      expect(await matches()).toBe(true);
    };
    await tabTo(async () => (await focused()).includes(bob.username));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: bob.username, exact: true }).waitFor();
    await page.locator('.body', { hasText: 'old 69' }).waitFor();
    // A long history scrolls: axe wants that region reachable by keyboard.
    expect(await seriousA11yProblems(page)).toEqual([]);
    await tabTo(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Messages'));
    await expect
      .poll(
        async () => {
          await page.keyboard.press('PageUp');
          return (await shownBodies(page))[0];
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('hello');
    await page.locator('.body', { hasText: 'old 00' }).waitFor();
    // Scrolled up: a way back to the newest; and your own message comes into view when you send
    // (once the last Page Up has finished scrolling: Chromium animates it).
    await page.getByRole('button', { name: '↓ Latest' }).waitFor();
    let offset = -1;
    await expect
      .poll(async () => {
        const [before, now] = [offset, await page.locator('ol.messages').evaluate((list) => list.scrollTop)];
        offset = now;
        return now === before;
      })
      .toBe(true);
    await send(alice, 'back to the present');
    const inView = () =>
      page.locator('.bubble', { hasText: 'back to the present' }).evaluate((bubble) => {
        const [shown, list] = [bubble.getBoundingClientRect(), bubble.closest('ol')!.getBoundingClientRect()];
        return shown.top >= list.top && shown.bottom <= list.bottom + 1;
      });
    await expect.poll(inView).toBe(true);
  });
});

describe('reading (why 4, 9)', () => {
  it('shows date separators, a new-messages line, links and your own send in view', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    const id = await chatting(alice, bob);
    await alice.page.goto('/');
    await loggedIn(alice.page, alice.username);
    await send(bob, 'read https://example.com/page now');
    await bob.page.locator('[data-state="sent"]').nth(1).waitFor();
    await openChat(alice, bob.username);
    expect(new URL(alice.page.url()).pathname).toBe(`/c/${id}`);
    await alice.page.getByTestId('unread-line').waitFor();
    expect(await alice.page.getByTestId('day').allTextContents()).toEqual(['Today']);
    expect(await alice.page.getByTestId('day').locator('span').getAttribute('title')).toMatch(/\d{4}/);
    const link = alice.page.getByRole('link', { name: 'https://example.com/page' });
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');

    const tooLong = 'x'.repeat(4_100);
    const composer = alice.page.getByLabel(/^Message to /);
    await composer.fill(tooLong);
    await alice.page.getByText(/4,100 characters: a message can have at most 4,000/).waitFor();
    expect(await composer.inputValue()).toBe(tooLong);
    expect(await alice.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await composer.fill('');
  });
});

describe('a hidden tab (what users get: title, icon, notifications)', () => {
  it('asks for notifications only when chosen from the hint after a send, then shows one per message while hidden; a click opens it', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    // The page's view of the browser: whether the tab is hidden, and its Notification API, recorded.
    await alice.context.addInitScript(() => {
      const state = {
        hidden: false,
        asked: 0,
        shown: [] as Array<{ title: string; body: string; click: () => void }>,
      };
      Object.assign(window, { testState: state });
      Object.defineProperty(document, 'visibilityState', {
        get: () => (state.hidden ? 'hidden' : 'visible'),
      });
      class Recorded {
        // Once granted it stays granted, from page to page, as in a browser.
        static get permission(): NotificationPermission {
          return sessionStorage.getItem('test.notifications') === 'granted' ? 'granted' : 'default';
        }
        static requestPermission() {
          state.asked++;
          sessionStorage.setItem('test.notifications', 'granted');
          return Promise.resolve(Recorded.permission);
        }
        onclick: (() => void) | null = null;
        constructor(title: string, options: { body: string }) {
          state.shown.push({ title, body: options.body, click: () => this.onclick?.() });
        }
        close() {}
      }
      Object.assign(window, { Notification: Recorded });
    });
    type TestState = { asked: number; shown: Array<{ title: string; body: string }> };
    const recorded = () =>
      alice.page.evaluate(() => {
        const { asked, shown } = (window as unknown as { testState: TestState }).testState;
        return { asked, shown: shown.map(({ title, body }) => `${title}: ${body}`) };
      });
    const id = await chatting(alice, bob);
    await alice.page.reload();
    await waitForBodies(alice.page, ['hello']);
    expect((await recorded()).asked).toBe(0);
    await send(alice, 'first send of this visit');
    await alice.page.getByTestId('notification-hint').waitFor();
    expect((await recorded()).asked).toBe(0);
    await alice.page.getByRole('button', { name: 'Turn on notifications' }).click();
    await expect.poll(async () => (await recorded()).asked).toBe(1);

    await alice.page.goto('/');
    await loggedIn(alice.page, alice.username);
    await alice.page.evaluate(
      `window.testState.hidden = true; document.dispatchEvent(new Event('visibilitychange'))`,
    );
    await send(bob, 'are you there?');
    await expect.poll(async () => (await recorded()).shown).toEqual([`${bob.username}: are you there?`]);
    await expect.poll(() => alice.page.title()).toBe('(1) Chat');
    expect(await alice.page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/png/);
    await alice.page.evaluate(`window.testState.shown[0].click()`);
    await alice.page.waitForURL(`**/c/${id}`);
    await alice.page.getByRole('heading', { name: bob.username, exact: true }).waitFor();
  });

  it('serves a favicon and a web app manifest', async () => {
    for (const [path, type] of [
      ['/favicon.ico', /icon/],
      ['/favicon.svg', /svg/],
      ['/manifest.webmanifest', /manifest|json/],
    ] as const) {
      const response = await fetch(new URL(path, harness.server.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(type);
    }
  });
});
