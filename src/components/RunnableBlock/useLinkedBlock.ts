/**
 * A block opened through a deep link (src/lib/deepLink.ts): the link's values for this block's parameters
 * fill its form once per link, and a block the fragment names is scrolled into view and marked, so the
 * operator who followed an alert lands on the check, ready to run.
 */
import { useEffect, useMemo, useRef, type RefObject } from 'react';
import type { RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import { anchorNamesBlock, linkValuesFor } from '@site/src/lib/deepLink';
import { useDeepLink, useRegisterLinkParams } from '@site/src/lib/useDeepLink';
import { keepInView } from '@site/src/lib/keepInView';

export interface LinkedBlock {
  /** The values the link gave this block (valid ones, as the form holds them). */
  readonly linkValues: Readonly<Record<string, string>>;
  /** The link's fragment names this block. */
  readonly targeted: boolean;
  readonly rootRef: RefObject<HTMLDivElement | null>;
}

export function useLinkedBlock(spec: RunnableBlockSpec, fill: (values: Readonly<Record<string, string>>) => void): LinkedBlock {
  const link = useDeepLink();
  useRegisterLinkParams(spec.params);
  const linkValues = useMemo(() => linkValuesFor(spec.params, link), [spec.params, link]);
  const targeted = anchorNamesBlock(link.anchor, spec);
  const rootRef = useRef<HTMLDivElement | null>(null);

  // Once per link (a new link replaces the values); later edits by the operator are theirs.
  const valuesKey = JSON.stringify(linkValues);
  const fillRef = useRef(fill);
  fillRef.current = fill;
  useEffect(() => {
    const values = JSON.parse(valuesKey) as Record<string, string>;
    if (Object.keys(values).length > 0) fillRef.current(values);
  }, [valuesKey]);

  // The browser scrolls to an element id by itself, but not to a snippet id or key, and neither stays on the
  // block while the content above it (a diagram, other blocks) renders: keepInView does both.
  useEffect(() => {
    const el = rootRef.current;
    if (!targeted || !el) return undefined;
    return keepInView(el);
  }, [targeted]);

  return { linkValues, targeted, rootRef };
}
