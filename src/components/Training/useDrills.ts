/**
 * The drills of the Training page: the list (once the scenarios are known), each drill's last verdict and
 * hints taken. Starting a drill activates its scenario, resetting deactivates it; while a scenario's
 * night is still replaying the scenarios are read again every second, so the page shows when the fault is in.
 */
import { useCallback, useEffect, useState } from 'react';
import { useApi } from '@site/src/lib/useApi';
import { DRILL_CHECK_PATH, DRILLS_PATH, hintsKey, type DrillInfo, type DrillList, type DrillVerdict } from './drills';
import type { UseScenarios } from './useScenarios';

export interface UseDrills {
  readonly drills: readonly DrillInfo[];
  /** Whether the server has answered with the list (until then an empty list means "not yet", not "none"). */
  readonly loaded: boolean;
  readonly error: string | null;
  readonly verdicts: Readonly<Record<string, DrillVerdict>>;
  readonly checking: Readonly<Record<string, boolean>>;
  readonly checkErrors: Readonly<Record<string, string>>;
  hintsTaken(drill: DrillInfo): number;
  takeHint(drill: DrillInfo): void;
  start(drill: DrillInfo): Promise<void>;
  reset(drill: DrillInfo): Promise<void>;
  check(drill: DrillInfo): Promise<void>;
}

const storage = (): Storage | null => (typeof window === 'undefined' ? null : window.localStorage);

export function useDrills(scenarios: UseScenarios): UseDrills {
  const api = useApi();
  const [drills, setDrills] = useState<readonly DrillInfo[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [verdicts, setVerdicts] = useState<Readonly<Record<string, DrillVerdict>>>({});
  const [checking, setChecking] = useState<Readonly<Record<string, boolean>>>({});
  const [checkErrors, setCheckErrors] = useState<Readonly<Record<string, string>>>({});
  const [, setHintsVersion] = useState(0);
  const ready = scenarios.availability.status === 'ready';
  const { refresh } = scenarios;
  const unsettled = scenarios.scenarios.some((s) => !s.settled);

  useEffect(() => {
    if (!ready) return undefined;
    const controller = new AbortController();
    api.get<DrillList>(DRILLS_PATH, controller.signal).then(
      (body) => {
        setDrills(Array.isArray(body?.drills) ? body.drills : []);
        setLoaded(true);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(`The drills could not be read: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
    return () => controller.abort();
  }, [api, ready]);

  useEffect(() => {
    if (!unsettled) return undefined;
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, [unsettled, refresh]);

  const scenarioOf = (d: DrillInfo) => scenarios.scenarios.find((s) => s.id === d.scenario);
  const hintsTaken = (d: DrillInfo) => Number(storage()?.getItem(hintsKey(d.name, scenarioOf(d)?.activatedAt ?? null)) ?? 0);
  const takeHint = (d: DrillInfo) => {
    storage()?.setItem(hintsKey(d.name, scenarioOf(d)?.activatedAt ?? null), String(Math.min(d.hints.length, hintsTaken(d) + 1)));
    setHintsVersion((v) => v + 1);
  };

  const forget = (name: string) => setVerdicts(({ [name]: _gone, ...rest }) => rest);
  const start = async (d: DrillInfo) => {
    forget(d.name);
    await scenarios.apply(d.scenario, 'activate');
  };
  const reset = async (d: DrillInfo) => {
    forget(d.name);
    await scenarios.apply(d.scenario, 'deactivate');
  };
  const check = useCallback(
    async (d: DrillInfo) => {
      setChecking((c) => ({ ...c, [d.name]: true }));
      setCheckErrors(({ [d.name]: _gone, ...rest }) => rest);
      try {
        const verdict = await api.post<DrillVerdict>(DRILL_CHECK_PATH, { name: d.name });
        setVerdicts((v) => ({ ...v, [d.name]: verdict }));
      } catch (e) {
        setCheckErrors((x) => ({ ...x, [d.name]: e instanceof Error ? e.message : String(e) }));
      } finally {
        setChecking(({ [d.name]: _done, ...rest }) => rest);
      }
    },
    [api],
  );

  return { drills, loaded, error, verdicts, checking, checkErrors, hintsTaken, takeHint, start, reset, check };
}
