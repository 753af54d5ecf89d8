/** A step's done tick, recorded in the tab's active operation (when there is one). */
import { useCallback } from 'react';
import { useApi } from '@site/src/lib/useApi';
import { recordInActive } from './recording';

export function useRecordStep(): (runbookPath: string, step: string, title: string, done: boolean) => void {
  const api = useApi();
  return useCallback((runbookPath, step, title, done) => void recordInActive(api, { kind: 'step', runbook: runbookPath, step, title, done }), [api]);
}
