import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import { openChat, openConversation, send, useWebApp } from './browser.ts';

const app = useWebApp();

describe('message text (findings 9, 15)', () => {
  it('renders the Markdown subset, lays right-to-left text out right to left, and runs no payload', async () => {
    const [alice, bob] = [await app.person(uniqueName('alice')), await app.person(uniqueName('bob'))];
    await openConversation(alice, bob.username);
    await send(alice, 'try `npm start` and **bold** *it* ~~old~~ [docs](https://example.com)');
    await send(alice, 'مرحبا بالعالم');
    await send(
      alice,
      '[x](javascript:document.title="pwned") <img src=x onerror="document.title=\'pwned\'">',
    );
    await openChat(bob, alice.username);
    const bodies = bob.page.getByTestId('message').locator('.body');
    await expect.poll(() => bodies.count()).toBe(3);
    const first = bodies.nth(0);
    expect(await first.locator('code').textContent()).toBe('npm start');
    expect(await first.locator('strong').textContent()).toBe('bold');
    expect(await first.locator('em').textContent()).toBe('it');
    expect(await first.locator('s').textContent()).toBe('old');
    expect(await first.locator('a').getAttribute('href')).toBe('https://example.com');
    const arabic = bodies.nth(1);
    expect(await arabic.getAttribute('dir')).toBe('auto');
    expect(await arabic.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    const payload = bodies.nth(2);
    expect(await payload.locator('img, script').count()).toBe(0);
    expect(await payload.locator('a').count()).toBe(0);
    expect(await bob.page.title()).not.toBe('pwned');
  });

  it('puts an emoji from the picker in the composer at the caret, and sends it with the text', async () => {
    const [alice, bob] = [await app.person(uniqueName('alice')), await app.person(uniqueName('bob'))];
    await openConversation(alice, bob.username);
    const composer = alice.page.getByLabel(/^Message to /);
    await composer.fill('see you soon');
    // The caret after "see you", then the picker: the same one the reactions use.
    await composer.evaluate((field: HTMLTextAreaElement) => field.setSelectionRange(7, 7));
    await alice.page.getByRole('button', { name: 'Insert an emoji' }).click();
    const picker = alice.page.getByRole('dialog', { name: 'Pick an emoji' }).locator('emoji-picker');
    await picker.locator('input[type=search]').fill('party popper');
    await picker.locator('[role=option]', { hasText: '🎉' }).first().click();
    await expect.poll(() => composer.inputValue()).toBe('see you🎉 soon');
    // Typing goes on where the emoji went in.
    await alice.page.keyboard.type('!');
    expect(await composer.inputValue()).toBe('see you🎉! soon');
    await composer.press('Enter');
    await openChat(bob, alice.username);
    await expect
      .poll(() => bob.page.getByTestId('message').locator('.body').allTextContents())
      .toEqual(['see you🎉! soon']);
  });
});
