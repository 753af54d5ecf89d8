/** The operations data (escalation ladders, on-call rotations, ownership) from the plugin's global data. */
import { usePluginData } from '@docusaurus/useGlobalData';
import type { OpsData } from './opsData';

export const OPSBOOK_PLUGIN = 'docusaurus-plugin-opsbook';

/** Each key is undefined until the plugin publishes it (the components then say so instead of failing). */
export function useOpsData(): Partial<OpsData> {
  const data = usePluginData(OPSBOOK_PLUGIN) as Partial<OpsData> | undefined;
  return data ?? {};
}
