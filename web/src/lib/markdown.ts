import MarkdownIt, { type Token } from 'markdown-it';

/**
 * The Markdown subset messages use — `code`, fenced code, **bold**, *italic*, ~~strike~~, quotes,
 * lists and links — parsed by markdown-it with raw HTML off. Nothing is rendered to an HTML
 * string: the parse becomes a tree of a few allowed elements that Svelte builds as elements and
 * text, so no payload can become markup.
 */
const parser = new MarkdownIt('commonmark', { html: false, breaks: true, linkify: false })
  .enable(['strikethrough'])
  .disable(['heading', 'lheading', 'hr', 'image', 'reference', 'html_block', 'html_inline']);

export type MarkdownNode =
  | { kind: 'text'; text: string }
  | { kind: 'break' }
  | { kind: 'code'; text: string }
  | { kind: 'block-code'; text: string }
  | { kind: 'link'; href: string; children: MarkdownNode[] }
  /** Content without an element of its own: a tight list's paragraph, a link to another scheme. */
  | { kind: 'group'; children: MarkdownNode[] }
  | { kind: 'element'; tag: AllowedTag; children: MarkdownNode[] };

const ALLOWED = ['p', 'strong', 'em', 's', 'blockquote', 'ul', 'ol', 'li'] as const;
type AllowedTag = (typeof ALLOWED)[number];
const isAllowed = (tag: string): tag is AllowedTag => (ALLOWED as readonly string[]).includes(tag);

/** Only web and mail addresses become links. */
const safeHref = (href: string | null) => (href && /^(https?:|mailto:)/i.test(href) ? href : null);

function build(tokens: readonly Token[]): MarkdownNode[] {
  const root: MarkdownNode[] = [];
  const stack: MarkdownNode[][] = [root];
  const push = (node: MarkdownNode) => stack.at(-1)!.push(node);
  for (const token of tokens) {
    if (token.type === 'inline') {
      for (const node of build(token.children ?? [])) push(node);
    } else if (token.type === 'text') {
      push({ kind: 'text', text: token.content });
    } else if (token.type === 'softbreak' || token.type === 'hardbreak') {
      push({ kind: 'break' });
    } else if (token.type === 'code_inline') {
      push({ kind: 'code', text: token.content });
    } else if (token.type === 'fence' || token.type === 'code_block') {
      push({ kind: 'block-code', text: token.content.replace(/\n$/, '') });
    } else if (token.nesting === 1) {
      const children: MarkdownNode[] = [];
      const href = token.type === 'link_open' ? safeHref(String(token.attrGet('href') ?? '')) : null;
      if (href) push({ kind: 'link', href, children });
      else if (isAllowed(token.tag) && !token.hidden) push({ kind: 'element', tag: token.tag, children });
      else push({ kind: 'group', children });
      stack.push(children);
    } else if (token.nesting === -1) {
      stack.pop();
    }
  }
  return root;
}

/** `body` as a tree of allowed elements and text. */
export const markdownTree = (body: string): MarkdownNode[] => build(parser.parse(body, {}));
