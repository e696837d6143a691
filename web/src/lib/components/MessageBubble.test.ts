import { Client } from '@urql/core';
import { flushSync, mount, unmount, type ComponentProps } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Conversation } from '../state/conversation.svelte.ts';
import { ConversationUi } from '../state/conversation-ui.svelte.ts';
import { localOutboxStore, Outbox } from '../state/outbox.svelte.ts';
import MessageBubble from './MessageBubble.svelte';

const me = { id: '1', username: 'alice', displayName: 'alice' };
/** A conversation of alice's that asks no server anything (nothing here needs one). */
function conversationUi() {
  const urql = new Client({ url: 'http://localhost/graphql', exchanges: [] });
  const outbox = new Outbox(
    localOutboxStore(me.id),
    () => Promise.resolve({ retry: 'offline' }),
    () => {},
  );
  return new ConversationUi(new Conversation(urql, me, { id: '5' }, outbox), () => false);
}

const shown = (body: string, state: 'sent' | 'sending' | 'failed' = 'sent') => ({
  key: 'm:1',
  id: '1',
  clientId: null,
  body,
  createdAt: '2026-11-24T09:30:00.000Z',
  kind: 'TEXT' as const,
  sender: { id: '2', username: 'bob', displayName: 'bob' },
  state,
  error: state === 'failed' ? 'Too many attempts.' : undefined,
  editedAt: null,
  editableUntil: null,
  readByCount: null,
  deletedAt: null,
  replyTo: null,
  reactions: [],
  attachments: [],
});

type Props = ComponentProps<typeof MessageBubble>;
function render(props: Omit<Props, 'ui' | 'onjump'> & Partial<Pick<Props, 'ui' | 'onjump'>>) {
  const target = document.createElement('ol');
  document.body.append(target);
  const component = mount(MessageBubble, {
    target,
    props: { ui: conversationUi(), onjump: () => {}, ...props },
  });
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

  it('lays each body out in its own direction, isolated from the bubble around it', async () => {
    const { target, destroy } = render({
      message: shown('مرحبا \u202Eadmin'),
      mine: false,
      onretry: () => {},
      ondelete: () => {},
    });
    // dir="auto" picks the direction from the first strong letter and isolates the element, so
    // an override inside a message cannot turn the time or the receipt beside it around.
    expect(target.querySelector('.body')!.getAttribute('dir')).toBe('auto');
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

  it('shows ✓ when sent, ✓✓ when read (read as "sent" and "read"), and in a group "read by N" (N counting those who have left) with the members names on hover and tap', async () => {
    const receiptText = async (receipt: ComponentProps<typeof MessageBubble>['receipt']) => {
      const { target, destroy } = render({
        message: shown('hi'),
        mine: true,
        receipt,
        onretry: () => {},
        ondelete: () => {},
      });
      // What a screen reader says: the ticks are hidden from it, the word is not.
      const receiptShown = target.querySelector('[data-testid=receipt]');
      const text = receiptShown && [receiptShown.querySelector('[aria-hidden]')?.textContent, receiptShown.querySelector('.visually-hidden')?.textContent];
      await destroy();
      return text;
    };
    expect(await receiptText({ kind: 'sent' })).toEqual(['✓', 'sent']);
    expect(await receiptText({ kind: 'read' })).toEqual(['✓✓', 'read']);
    expect(await receiptText(null)).toBeNull();

    const { target, destroy } = render({
      message: shown('hi'),
      mine: true,
      receipt: { kind: 'readBy', count: 3, readers: ['bob', 'carol'] },
      onretry: () => {},
      ondelete: () => {},
    });
    const readers = target.querySelector<HTMLButtonElement>('[data-testid=receipt]')!;
    expect(readers.textContent).toBe('✓✓ read by 3');
    expect(readers.title).toBe('bob, carol');
    expect(readers.querySelector('[aria-hidden]')?.textContent).toBe('✓✓');
    readers.click();
    flushSync();
    expect(readers.textContent).toBe('✓✓ read by 3: bob, carol');
    await destroy();
  });

  it('says a deleted message was deleted, with nothing to act on', async () => {
    const { target, destroy } = render({
      message: { ...shown(''), deletedAt: '2026-11-24T09:40:00.000Z' },
      mine: false,
      onretry: () => {},
      ondelete: () => {},
    });
    expect(target.querySelector('.body')!.textContent).toBe('This message was deleted');
    expect(target.querySelector('[aria-label="Message actions"]')).toBeNull();
    await destroy();
  });

  it('shows reactions as chips, mine pressed, and an edited mark', async () => {
    const { target, destroy } = render({
      message: {
        ...shown('hi'),
        editedAt: '2026-11-24T09:35:00.000Z',
        reactions: [
          { emoji: '👍', count: 2, reactedByMe: true },
          { emoji: '🎉', count: 1, reactedByMe: false },
        ],
      },
      mine: false,
      onretry: () => {},
      ondelete: () => {},
    });
    const chips = [...target.querySelectorAll('[data-testid=reaction]')];
    expect(chips.map((chip) => [chip.textContent, chip.getAttribute('aria-pressed')])).toEqual([
      ['👍 2', 'true'],
      ['🎉 1', 'false'],
    ]);
    expect(target.querySelector('button.edited')?.textContent).toBe('edited');
    await destroy();
  });
});
