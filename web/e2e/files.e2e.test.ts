import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../api/test/support/clients.ts';
import {
  chatRow,
  conversationId,
  openConversation,
  send,
  shownBodies,
  useWebApp,
  type Person,
} from './browser.ts';

const app = useWebApp({ env: { FILES_DIR: mkdtempSync(join(tmpdir(), 'chat-e2e-files-')) } });

const person = (prefix: string) => app.person(uniqueName(prefix));

/** Two people in a direct conversation, both with it open. */
async function chatting(a: Person, b: Person): Promise<string> {
  await openConversation(a, b.username);
  await send(a, 'hello');
  await a.page.locator('[data-state="sent"]').first().waitFor();
  const id = await conversationId(a.page);
  await b.page.goto(`/c/${id}`);
  await expect.poll(() => shownBodies(b.page), { timeout: 15_000 }).toEqual(['hello']);
  return id;
}

const photo = () =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();

/** The natural sizes of the images shown inline on `page`, once loaded (0×0 while not). */
const shownImages = (page: Page) =>
  page
    .getByTestId('attachment-image')
    .evaluateAll((images) =>
      (images as HTMLImageElement[]).map((image) => `${image.naturalWidth}x${image.naturalHeight}`),
    );

describe('sharing files in the browser', () => {
  it('a photo attached with the 📎 button shows on the other side as a thumbnail that opens the viewer', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob);
    await alice.page
      .getByTestId('file-input')
      .setInputFiles({ name: 'beach.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await alice.page.locator('[data-testid="pending-file"][data-state="done"]').waitFor();
    await send(alice, 'the beach');
    await expect.poll(() => shownImages(bob.page), { timeout: 15_000 }).toEqual(['400x300']);
    expect(await shownBodies(bob.page)).toEqual(['hello', 'the beach']);
    await bob.page.getByRole('button', { name: 'Open beach.jpg' }).click();
    const viewer = bob.page.getByTestId('image-viewer');
    await viewer.waitFor();
    await expect
      .poll(() => viewer.locator('img').evaluate((image) => (image as HTMLImageElement).naturalWidth))
      .toBe(640);
    await bob.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // A photo alone: the chat list says so.
    await alice.page
      .getByTestId('file-input')
      .setInputFiles({ name: 'dune.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await alice.page.locator('[data-testid="pending-file"][data-state="done"]').waitFor();
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => chatRow(bob.page, alice.username).textContent()).toContain('📷 Photo');
  });

  it('files pasted and dropped go with one caption; a file shows as a card with its name and size', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    await chatting(alice, bob);
    const bytes = [...(await photo())];
    await alice.page.evaluate((photoBytes) => {
      const pasted = new DataTransfer();
      pasted.items.add(new File([new Uint8Array(photoBytes)], 'pasted.jpg', { type: 'image/jpeg' }));
      document
        .querySelector('#composer')!
        .dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true }));
      const dropped = new DataTransfer();
      dropped.items.add(new File(['%PDF-1.4\n'], 'notes.pdf', { type: 'application/pdf' }));
      const section = document.querySelector('section.conversation')!;
      section.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true }),
      );
      section.dispatchEvent(
        new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }),
      );
    }, bytes);
    await expect
      .poll(() => alice.page.locator('[data-testid="pending-file"][data-state="done"]').count(), {
        timeout: 15_000,
      })
      .toBe(2);
    await send(alice, 'two files');
    await expect.poll(() => shownImages(bob.page), { timeout: 15_000 }).toEqual(['400x300']);
    const card = bob.page.getByTestId('attachment-file');
    expect(await card.textContent()).toMatch(/notes\.pdf\s*9 B/);
    const download = await bob.page.evaluate(
      async (href) => {
        const response = await fetch(href);
        return [response.status, response.headers.get('content-disposition')];
      },
      (await card.getAttribute('href'))!,
    );
    expect(download).toEqual([200, 'attachment; filename=notes.pdf']);
  });
});
