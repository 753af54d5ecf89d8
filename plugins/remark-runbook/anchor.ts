/**
 * Where a runnable block lives on its page. The page gives each block the element id `snippet-<id>` (bare ids
 * can equal their step's id), and links from alerts, the Health page and "Copy link" land there — one rule,
 * shared by the page and the server so their links agree.
 */

/** The block's id within its runbook: the manifest key without the runbook and any `:dialect` variant. */
export function snippetIdOf(key: string, runbook: string): string {
  return key.slice(runbook.length + 1).replace(/:[a-z]+$/, '');
}

/** The element id a runnable block carries, so `#snippet-<id>` scrolls to it even before the page hydrates. */
export function blockAnchor(snippetId: string): string {
  return `snippet-${snippetId}`;
}
