import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { seedPeople } from '../../bench/lib/database.ts';
import { uniqueName } from '../../api/test/support/clients.ts';
import { chatRow, groupOf, openChat, shownBodies, type Person, useWebApp } from './browser.ts';

const app = useWebApp();
const { harness } = app;

const PHONE = { width: 390, height: 844 };

/** `count` people written straight into the tables (signing 255 up through argon2 would take minutes). */
async function seeded(count: number): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: harness.database.url, max: 1 });
  harness.defer(() => pool.end());
  const accounts = await seedPeople(pool, `m${randomBytes(3).toString('hex')}_`, count);
  return accounts.map((account) => account.username);
}

/** `owner` in a group with `size` members in all, open on their screen. */
async function bigGroup(owner: Person, size: number, title: string): Promise<string[]> {
  const others = await seeded(size - 1);
  await groupOf(owner, title, others);
  await openChat(owner, title);
  return others;
}

const height = async (owner: Person, selector: string) => (await owner.page.locator(selector).first().boundingBox())!.height;

describe('the member panel (finding 1)', () => {
  it('keeps a 27-member group’s header small on a phone; the members open as a full-screen sheet, searchable, each one’s actions in a menu', async () => {
    const owner = await app.person(uniqueName('owner'), { viewport: PHONE, touch: true });
    const others = await bigGroup(owner, 27, 'Street party');
    const { page } = owner;

    const line = page.getByTestId('member-line');
    await expect.poll(() => line.textContent()).toMatch(/^27 members/);
    expect(await height(owner, '.conversation header')).toBeLessThan(120);
    expect(await height(owner, '.messages')).toBeGreaterThan(550);
    // No bare per-member buttons outside the panel.
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Block / }).count()).toBe(0);

    await line.click();
    const panel = page.getByTestId('members-panel');
    expect(await panel.boundingBox()).toEqual({ x: 0, y: 0, ...PHONE });
    await expect.poll(() => panel.getByTestId('member').count()).toBe(27);
    expect(await panel.getByRole('button', { name: /^Remove / }).count()).toBe(0);

    const target = others[13]!;
    await panel.getByPlaceholder('Search members…').fill(target.toUpperCase());
    await expect.poll(() => panel.getByTestId('member').locator('.name').allTextContents()).toEqual([target]);
    await panel.getByRole('button', { name: `Actions for ${target}` }).click();
    await panel.getByRole('button', { name: `Remove ${target}` }).click();
    // Nothing without a yes.
    const confirm = page.getByRole('dialog', { name: `Remove ${target}?` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await page.getByTestId('system').allTextContents()).not.toContainEqual(expect.stringContaining(`removed ${target}`));
    await panel.getByRole('button', { name: `Actions for ${target}` }).click();
    await panel.getByRole('button', { name: `Remove ${target}` }).click();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByTestId('system').allTextContents()).toContainEqual(expect.stringContaining(target));
    await expect.poll(() => line.textContent()).toMatch(/^26 members/);

    // Esc closes the sheet, and the conversation is back.
    await panel.getByPlaceholder('Search members…').press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await shownBodies(page)).toEqual([]);
  });

  it('stays usable with 256 members, on a desktop beside the messages', async () => {
    const owner = await app.person(uniqueName('owner'));
    const others = await bigGroup(owner, 256, 'Everyone');
    const { page } = owner;
    await expect.poll(() => page.getByTestId('member-line').textContent()).toMatch(/^256 members/);
    expect(await height(owner, '.conversation header')).toBeLessThan(100);

    await page.getByTestId('member-line').click();
    const panel = page.getByTestId('members-panel');
    await expect.poll(() => panel.getByTestId('member').count()).toBe(256);
    const box = (await panel.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(340);
    // The list scrolls inside the panel; the last member is reached by search or by scrolling.
    const last = others.at(-1)!;
    await panel.getByTestId('member').last().scrollIntoViewIfNeeded();
    expect(await panel.getByTestId('member').last().locator('.name').textContent()).toBe(last);
    await panel.getByPlaceholder('Search members…').fill(last);
    await expect.poll(() => panel.getByTestId('member').count()).toBe(1);
    // The chat list stays in view beside it.
    expect(await chatRow(page, 'Everyone').isVisible()).toBe(true);
  });
});
