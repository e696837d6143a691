import { flushSync, mount, unmount } from 'svelte';
import { describe, expect, it } from 'vitest';
import MessageText from './MessageText.svelte';

const mentions = { members: new Set(['bob']), me: 'alice', group: true };

function shown(body: string) {
  const target = document.createElement('div');
  document.body.append(target);
  const component = mount(MessageText, { target, props: { body, mentions } });
  flushSync();
  return {
    body: target.querySelector('.body')!,
    done: async () => {
      await unmount(component);
      target.remove();
    },
  };
}

/** Known XSS payloads (OWASP's filter evasion cheat sheet and the like), as message bodies. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg/onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](vbscript:msgbox(1))',
  '[x](  javascript:alert(1)  )',
  '[x](java&#x09;script:alert(1))',
  '![img](javascript:alert(1))',
  '<div style="background:url(javascript:alert(1))">',
  '**<b onmouseover=alert(1)>bold</b>**',
  '`<script>alert(1)</script>`',
  '```\n<script>alert(1)</script>\n```',
  '> <img src=x onerror=alert(1)>',
  '- <details open ontoggle=alert(1)>',
  '[a](https://example.com" onclick="alert(1))',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '"><svg onload=alert(1)>',
];

describe('message text: a safe Markdown subset', () => {
  it.each(PAYLOADS)('renders %j with no element beyond the allowed ones, no handler, no script address', async (payload) => {
    const { body, done } = shown(payload);
    const allowed = new Set(['P', 'STRONG', 'EM', 'S', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'BR', 'SPAN', 'DIV', 'BUTTON']);
    for (const element of body.querySelectorAll('*')) {
      expect(allowed.has(element.tagName), element.tagName).toBe(true);
      for (const attribute of element.attributes) expect(attribute.name).not.toMatch(/^on/i);
      if (element.tagName === 'A') expect(element.getAttribute('href')).toMatch(/^(https?:|mailto:)/);
      if (element.tagName === 'DIV') expect(element.className).toMatch(/block-code|body/);
    }
    await done();
  });

  it('formats code, fenced code (with a copy button), bold, italic, strike, quotes, lists and links', async () => {
    const { body, done } = shown(
      'a `x<y` and **bold** *it* ~~gone~~ [site](https://example.com)\n\n```\nconst a = 1;\n```\n\n> quoted\n\n- one\n- two\n\n1. first',
    );
    expect(body.querySelector('code')?.textContent).toBe('x<y');
    expect(body.querySelector('strong')?.textContent).toBe('bold');
    expect(body.querySelector('em')?.textContent).toBe('it');
    expect(body.querySelector('s')?.textContent).toBe('gone');
    expect(body.querySelector('a')?.getAttribute('href')).toBe('https://example.com');
    expect(body.querySelector('a')?.getAttribute('rel')).toContain('noopener');
    expect(body.querySelector('pre code')?.textContent).toBe('const a = 1;');
    expect(body.querySelector('.block-code button')?.textContent).toContain('Copy');
    expect(body.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
    expect([...body.querySelectorAll('ul li')].map((li) => li.textContent)).toEqual(['one', 'two']);
    expect(body.querySelector('ol li')?.textContent).toBe('first');
    await done();
  });

  it('keeps plain text as typed: HTML as text, underscores in names, line breaks, mentions, bare links, right to left', async () => {
    const { body, done } = shown('<b>hi</b> @bob_1 and snake_case_name\nnext line https://example.org مرحبا');
    expect(body.getAttribute('dir')).toBe('auto');
    expect(body.textContent).toBe('<b>hi</b> @bob_1 and snake_case_name\nnext line https://example.org مرحبا');
    expect(body.querySelector('b, em')).toBeNull();
    expect(body.querySelector('a')?.getAttribute('href')).toBe('https://example.org');
    await done();
    const mention = shown('@bob hi');
    expect(mention.body.querySelector('[data-mention]')?.textContent).toBe('@bob');
    await mention.done();
  });
});
