import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type AxeCore from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical findings on the page as it is now (injected through the
 * debugger: no CSP applies), color-contrast always among the rules. Text axe leaves undecided (on
 * a gradient: the purple bars, buttons and your own bubbles; a lone digit, as in a badge; a ✓) is
 * judged here, at the 4.5:1 the issue asks of all text.
 */
export async function seriousA11yProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const problems = await page.evaluate(async () => {
    const { violations, incomplete } = await (window as unknown as { axe: typeof AxeCore }).axe.run(
      document,
      {
        resultTypes: ['violations', 'incomplete'],
        rules: { 'color-contrast': { enabled: true } },
      },
    );
    const found = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );

    const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const linear = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
    };
    /**
     * The lowest contrast of `element`'s text over what is behind it: each stop of the nearest
     * gradient, or the nearest opaque colour (translucent layers between are passed over).
     */
    const behind = (element: Element): number | undefined => {
      const [r, g, b, own = 1] = channels(getComputedStyle(element).color);
      let alpha = own;
      for (let at: Element | null = element; at; at = at.parentElement) {
        const style = getComputedStyle(at);
        alpha *= Number(style.opacity);
        const layers = style.backgroundImage.includes('gradient')
          ? (style.backgroundImage.match(/rgba?\([^)]*\)/g) ?? [])
          : [style.backgroundColor].filter((color) => (channels(color)[3] ?? 1) === 1);
        if (layers.length === 0) continue;
        return Math.min(
          ...layers.map((layer) => {
            const back = channels(layer);
            const text = [r!, g!, b!].map((value, i) => value * alpha + back[i]! * (1 - alpha));
            const [light, dark] = [luminance(text), luminance(back)].sort((x, y) => y - x);
            return (light! + 0.05) / (dark! + 0.05);
          }),
        );
      }
      return undefined;
    };
    // What axe leaves undecided that is judged here, against the text's own background: text on a
    // gradient, a lone digit (a badge), symbols (✓), text partly under a panel or scrolled out of view.
    const judged = ['bgGradient', 'shortTextContent', 'nonBmp', 'bgOverlap', 'elmPartiallyObscured'];
    for (const node of incomplete.find((result) => result.id === 'color-contrast')?.nodes ?? []) {
      const reason = (node.any[0]?.data as { messageKey?: string } | undefined)?.messageKey;
      const element = document.querySelector(node.target.join(' '));
      const ratio = reason && judged.includes(reason) && element ? behind(element) : undefined;
      if (ratio === undefined)
        found.push(`color-contrast (${reason ?? 'unknown'}, undecided): ${node.target.join(' ')}`);
      else if (ratio < 4.5)
        found.push(`color-contrast ${ratio.toFixed(2)}:1 (${reason}): ${node.target.join(' ')}`);
    }
    return found;
  });
  return problems;
}
