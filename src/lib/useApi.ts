/** The page's API client, for the server URL in docusaurus.config.ts. */
import { useMemo } from 'react';
import { getApi, type ApiClient } from './api';
import { useServerBase } from './serverUrl';

export function useApi(): ApiClient {
  const base = useServerBase();
  return useMemo(() => getApi(base), [base]);
}
