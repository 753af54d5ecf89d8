/**
 * The scenarios of the demo's Airflow sandbox: loaded once the page knows this is a demo server, then
 * switched one at a time (activate, deactivate, or an action the active scenario offers). The server
 * answers each switch with the scenario's new state; a 409 means someone changed it meanwhile, so the
 * list is read again.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '@site/src/lib/api';
import { useApi } from '@site/src/lib/useApi';
import { useMe } from '@site/src/lib/me';
import { availabilityFromMe, NO_SANDBOX, replaceScenario, SCENARIOS_PATH, type Availability, type ScenarioAnswer, type ScenarioInfo, type ScenarioList } from './scenarios';

export interface UseScenarios {
  readonly availability: Availability;
  readonly scenarios: readonly ScenarioInfo[];
  /** The action in flight per scenario id. */
  readonly busy: Readonly<Record<string, string>>;
  /** The last failed switch per scenario id, in the server's words. */
  readonly errors: Readonly<Record<string, string>>;
  apply(id: string, action: string): Promise<void>;
  /** Reads the list again (a scenario's replayed night may have ended meanwhile). */
  refresh(): void;
}

export function useScenarios(): UseScenarios {
  const api = useApi();
  const me = useMe();
  const fromMe = availabilityFromMe(me);
  const [loaded, setLoaded] = useState<Availability>({ status: 'loading' });
  const [scenarios, setScenarios] = useState<readonly ScenarioInfo[]>([]);
  const [busy, setBusy] = useState<Readonly<Record<string, string>>>({});
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [generation, setGeneration] = useState(0);
  const canLoad = fromMe.status === 'ready';

  useEffect(() => {
    if (!canLoad) return undefined;
    const controller = new AbortController();
    api.get<ScenarioList>(SCENARIOS_PATH, controller.signal).then(
      (body) => {
        setScenarios(Array.isArray(body?.scenarios) ? body.scenarios : []);
        setLoaded({ status: 'ready' });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 404) setLoaded({ status: 'unavailable', reason: NO_SANDBOX });
        else setLoaded({ status: 'error', message: `The training scenarios could not be read: ${error instanceof Error ? error.message : String(error)}` });
      },
    );
    return () => controller.abort();
  }, [api, canLoad, generation]);

  const apply = useCallback(
    async (id: string, action: string) => {
      setBusy((b) => ({ ...b, [id]: action }));
      setErrors(({ [id]: _dropped, ...rest }) => rest);
      try {
        const { scenario } = await api.post<ScenarioAnswer>(SCENARIOS_PATH, { id, action });
        setScenarios((list) => replaceScenario(list, scenario));
      } catch (error) {
        setErrors((e) => ({ ...e, [id]: error instanceof Error ? error.message : String(error) }));
        // Someone else switched it (another tab, a colleague on the same demo): show the state as it is.
        if (error instanceof ApiError && error.status === 409) setGeneration((g) => g + 1);
      } finally {
        setBusy(({ [id]: _done, ...rest }) => rest);
      }
    },
    [api],
  );

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  return { availability: canLoad ? loaded : fromMe, scenarios, busy, errors, apply, refresh };
}
