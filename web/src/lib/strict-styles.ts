/**
 * This site's Content Security Policy (`style-src 'self'`) blocks inline styles: `<style>`
 * elements and `style` attributes. A third-party web component that styles its shadow DOM that
 * way (emoji-picker-element) gets the same rules through the CSSOM, which the policy does not
 * govern: its `<style>` as a constructed stylesheet, and each `style` attribute, when it is
 * rendered or set, applied as `element.style`. Returns a function that stops following it.
 */
export function styleThroughCssom(root: ShadowRoot): () => void {
  const inline = root.querySelector('style');
  if (inline) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(inline.textContent ?? '');
    root.adoptedStyleSheets = [sheet];
  }
  const apply = (element: Element) => {
    if (!(element instanceof HTMLElement) || !element.hasAttribute('style')) return;
    const wanted = element.getAttribute('style') ?? '';
    // Setting cssText writes the attribute back in its own serialization: then they agree, and it stops.
    if (element.style.cssText !== wanted) element.style.cssText = wanted;
  };
  const applyAll = (node: Node) => {
    if (!(node instanceof Element)) return;
    apply(node);
    node.querySelectorAll('[style]').forEach(apply);
  };
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === 'attributes') apply(mutation.target as Element);
      else mutation.addedNodes.forEach(applyAll);
    }
  });
  observer.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
  root.querySelectorAll('[style]').forEach(apply);
  return () => observer.disconnect();
}
