import { describe, expect, it } from 'vitest';
import { snippet } from './search-snippet.ts';

const shown = (pieces: ReturnType<typeof snippet>) =>
  pieces.map((piece) => (piece.match ? `[${piece.text}]` : piece.text)).join('');

describe('snippet', () => {
  it('marks the matched parts of a short body', () => {
    expect(shown(snippet('the Café at noon', [{ start: 4, length: 4 }]))).toBe('the [Café] at noon');
  });

  it('shows a long body around its first match, cut at spaces, with ellipses', () => {
    const body = `${'word '.repeat(60)}needle ${'tail '.repeat(60)}`;
    const text = shown(snippet(body, [{ start: body.indexOf('needle'), length: 6 }], 60));
    expect(text.startsWith('…word')).toBe(true);
    expect(text).toContain('[needle]');
    expect(text.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThan(70);
  });

  it('never splits an emoji', () => {
    expect(shown(snippet('ab🎉cd', [{ start: 0, length: 1 }], 3))).toBe('[a]b🎉…');
    const body = `${'x '.repeat(20)}🎉 ${'y '.repeat(20)}`;
    const start = body.indexOf('🎉');
    expect(shown(snippet(body, [{ start, length: 2 }], 12))).toMatch(/^…[x ]*\[🎉\][ y]*…$/u);
  });
});
