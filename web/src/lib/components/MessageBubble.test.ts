import { flushSync, mount, unmount, type ComponentProps } from 'svelte';
import { describe, expect, it } from 'vitest';
import MessageBubble from './MessageBubble.svelte';

const shown = (body: string, state: 'sent' | 'sending' | 'failed' = 'sent') => ({
  key: 'm:1',
  id: '1',
  clientId: null,
  body,
  createdAt: '2026-11-24T09:30:00.000Z',
  kind: 'TEXT' as const,
  sender: { id: '2', username: 'bob' },
  state,
  error: state === 'failed' ? 'Too many attempts.' : undefined,
});

function render(props: ComponentProps<typeof MessageBubble>) {
  const target = document.createElement('ol');
  document.body.append(target);
  const component = mount(MessageBubble, { target, props });
  flushSync();
  return { target, destroy: () => unmount(component) };
}

describe('MessageBubble', () => {
  it('shows message text as text, never as HTML', async () => {
    const { target, destroy } = render({
      message: shown('<img src=x onerror=alert(1)><b>hi</b>'),
      mine: false,
      onretry: () => {},
      ondelete: () => {},
    });
    expect(target.querySelector('.body')!.textContent).toBe('<img src=x onerror=alert(1)><b>hi</b>');
    expect(target.querySelector('img, b')).toBeNull();
    await destroy();
  });

  it("shows the time in the reader's time zone and locale in a <time> element", async () => {
    const { target, destroy } = render({
      message: shown('hi'),
      mine: true,
      onretry: () => {},
      ondelete: () => {},
    });
    const time = target.querySelector('time')!;
    expect(time.getAttribute('datetime')).toBe('2026-11-24T09:30:00.000Z');
    // 09:30 UTC for a reader in India (UTC+5:30) with a German locale (web/vite.config.ts).
    expect(time.textContent).toBe('15:00');
    await destroy();
  });

  it('says why a send failed and offers Retry and Delete', async () => {
    let [retried, deleted] = [0, 0];
    const { target, destroy } = render({
      message: shown('oops', 'failed'),
      mine: true,
      onretry: () => retried++,
      ondelete: () => deleted++,
    });
    expect(target.textContent).toContain('Not sent: Too many attempts.');
    const [retry, remove] = target.querySelectorAll<HTMLButtonElement>('button.retry');
    retry!.click();
    remove!.click();
    expect([retried, deleted]).toEqual([1, 1]);
    await destroy();
  });

  it('makes http(s) addresses links that do not pass on who sent the reader', async () => {
    const { target, destroy } = render({
      message: shown('see https://example.com/x and javascript:alert(1)'),
      mine: false,
      onretry: () => {},
      ondelete: () => {},
    });
    const links = target.querySelectorAll('a');
    expect([...links].map((link) => [link.getAttribute('href'), link.rel])).toEqual([
      ['https://example.com/x', 'noopener noreferrer nofollow'],
    ]);
    expect(target.querySelector('time')?.title).toMatch(/2026/);
    await destroy();
  });

  it('shows ✓ when sent, ✓✓ when read, and in a group "read by N" with the names on hover and tap', async () => {
    const receiptText = async (receipt: ComponentProps<typeof MessageBubble>['receipt']) => {
      const { target, destroy } = render({
        message: shown('hi'),
        mine: true,
        receipt,
        onretry: () => {},
        ondelete: () => {},
      });
      const text = target.querySelector('[data-testid=receipt]')?.textContent;
      await destroy();
      return text;
    };
    expect(await receiptText({ kind: 'sent' })).toBe('✓');
    expect(await receiptText({ kind: 'read' })).toBe('✓✓');
    expect(await receiptText(null)).toBeUndefined();

    const { target, destroy } = render({
      message: shown('hi'),
      mine: true,
      receipt: { kind: 'readBy', readers: ['bob', 'carol'] },
      onretry: () => {},
      ondelete: () => {},
    });
    const readers = target.querySelector<HTMLButtonElement>('[data-testid=receipt]')!;
    expect(readers.textContent).toBe('✓✓ read by 2');
    expect(readers.title).toBe('bob, carol');
    readers.click();
    flushSync();
    expect(readers.textContent).toBe('✓✓ read by 2: bob, carol');
    await destroy();
  });
});
