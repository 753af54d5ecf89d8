/** The business date a deep link gives this runbook's checks (its first valid business-date value), or null. */
import { useMemo } from 'react';
import type { RunAllChecksItem } from '@site/plugins/remark-runbook/types';
import { checkValue } from '@site/src/lib/deepLink';
import { useDeepLink } from '@site/src/lib/useDeepLink';
import { businessDateParams } from './useRunAllChecks';

export function useLinkedBusinessDate(checks: readonly RunAllChecksItem[]): string | null {
  const link = useDeepLink();
  return useMemo(() => {
    for (const check of checks) {
      for (const name of businessDateParams(check)) {
        const raw = link.values[name];
        if (raw === undefined) continue;
        const checked = checkValue({ name, type: 'date', default: null }, raw);
        if (checked.ok) return checked.value;
      }
    }
    return null;
  }, [checks, link]);
}
