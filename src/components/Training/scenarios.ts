/**
 * The Training page's model, without React: the scenarios API's shapes (server/demo/airflow), whether the
 * page can work at all, and how a runbook path reads as a link. Unit-tested in scenarios.test.ts.
 */
import type { ScenarioInfo } from '@site/server/demo/airflow/scenarios';
import type { MeState } from '@site/src/lib/me';

export type { ScenarioInfo };

export const SCENARIOS_PATH = '/demo/airflow/scenarios';

/** GET answers `{scenarios}`; POST `{id, action}` answers `{scenario}`. */
export interface ScenarioList {
  readonly scenarios: readonly ScenarioInfo[];
}
export interface ScenarioAnswer {
  readonly scenario: ScenarioInfo;
}

export type Availability =
  | { readonly status: 'loading' }
  /** Not a demo server, or one without the Airflow sandbox: a notice, not an error. */
  | { readonly status: 'unavailable'; readonly reason: string }
  | { readonly status: 'error'; readonly message: string }
  | { readonly status: 'ready' };

/** Whether the page may ask for scenarios, from who is signed in: scenarios exist in demo mode only. */
export function availabilityFromMe(me: MeState): Availability {
  switch (me.status) {
    case 'loading':
      return { status: 'loading' };
    case 'offline':
      return { status: 'error', message: `The Opsbook server did not answer, so the training scenarios cannot be shown. ${me.error}` };
    case 'signed-out':
      return { status: 'error', message: 'Sign in to use the training scenarios.' };
    case 'ready':
      return me.me.authMode === 'demo'
        ? { status: 'ready' }
        : {
            status: 'unavailable',
            reason: `This Opsbook server signs people in with ${me.me.authMode}, not the demo identities: training scenarios run only on the demo environment, so nothing here touches a real platform.`,
          };
  }
}

export const NO_SANDBOX =
  'This server has no Airflow sandbox: training scenarios need the demo environment with its sandbox (an airflow connection with `sandbox: true`, as in the default opsbook.config.yaml).';

/** Words the runbooks write in capitals, which a URL slug lowercases. */
const ACRONYMS: Readonly<Record<string, string>> = { ldz: 'LDZ', rdv: 'RDV', dag: 'DAG', dags: 'DAGs', ml: 'ML', etl: 'ETL', sql: 'SQL', mdm: 'MDM', uds: 'UDS', cdm: 'CDM' };

/** `/canonical/failure-handling#ldz-load-failure` → `Failure handling › LDZ load failure`. */
export function runbookLabel(path: string): string {
  const [page = '', anchor = ''] = path.split('#');
  const words = (s: string) =>
    s
      .split(/[-_]+/)
      .filter(Boolean)
      .map((w) => ACRONYMS[w] ?? w)
      .join(' ');
  const name = words(page.split('/').filter(Boolean).pop() ?? page);
  const title = name.charAt(0).toUpperCase() + name.slice(1);
  return anchor ? `${title} › ${words(anchor)}` : title;
}

/** Replaces one scenario in the list with the server's newer copy. */
export function replaceScenario(list: readonly ScenarioInfo[], next: ScenarioInfo): readonly ScenarioInfo[] {
  return list.map((s) => (s.id === next.id ? next : s));
}
