/**
 * Lands on an element and keeps it there while the page above it is still being laid out. A runbook opened
 * from an alert scrolls to its check at once, but what comes before the check renders later — a Mermaid
 * diagram, blocks' results and panels — and pushed the check a screen or more down, out of sight. Until the
 * operator scrolls, clicks or types (the page is theirs from then on), or the page has had `settleMs` to
 * settle, every change of the page's height brings the element back to the top.
 */
const GESTURES = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;

export function keepInView(el: HTMLElement, settleMs = 15_000): () => void {
  el.scrollIntoView({ block: 'start' });
  const observer = new ResizeObserver(() => el.scrollIntoView({ block: 'start' }));
  // The page's own root: body is the viewport's height (height: 100%) and never grows with the content.
  observer.observe(document.getElementById('__docusaurus') ?? document.body);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
    for (const g of GESTURES) window.removeEventListener(g, stop);
  };
  for (const g of GESTURES) window.addEventListener(g, stop, { passive: true });
  const timer = setTimeout(stop, settleMs);
  return stop;
}
