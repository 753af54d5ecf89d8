/**
 * The environment a deep link asks for: chosen once per link, when the server offers it to this user (the
 * picker's list is what the server lets them choose); otherwise left as it was, and said.
 */
import { useEffect, useRef, useState } from 'react';
import { selectEnvironment, useEnvironments } from '@site/src/lib/environment';

export type LinkEnvironment =
  | { readonly state: 'none' }
  | { readonly state: 'waiting'; readonly requested: string }
  | { readonly state: 'selected'; readonly requested: string; readonly label: string; readonly production: boolean; readonly still: boolean }
  | { readonly state: 'unknown'; readonly requested: string; readonly offered: readonly string[] };

export function useLinkEnvironment(requested: string | null, linkKey: string): LinkEnvironment {
  const { status, environments, selected } = useEnvironments();
  const appliedFor = useRef<string | null>(null);
  const [outcome, setOutcome] = useState<'selected' | 'unknown' | null>(null);

  useEffect(() => {
    if (!requested || status !== 'ready' || appliedFor.current === linkKey) return;
    appliedFor.current = linkKey;
    if (environments.some((e) => e.name === requested)) {
      selectEnvironment(requested);
      setOutcome('selected');
    } else setOutcome('unknown');
  }, [requested, status, environments, linkKey]);

  if (!requested) return { state: 'none' };
  const env = environments.find((e) => e.name === requested);
  if (outcome === 'selected' && env) {
    return { state: 'selected', requested, label: env.label, production: env.production, still: selected === requested };
  }
  if (outcome === 'unknown') return { state: 'unknown', requested, offered: environments.map((e) => e.name) };
  return { state: 'waiting', requested };
}
