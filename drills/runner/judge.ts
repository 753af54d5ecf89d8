/**
 * One drill, judged (DESIGN.md §7b): inject the fault; every `fails` check must fail; the recovery must
 * succeed step by step (a SQL write that changes no row, or an Airflow run that does not succeed, is a
 * defect); every `passes` check must pass; the fault is deactivated; and the drill's checks must pass on
 * the restored baseline, which proves deactivation returns the demo to green without a restart.
 * The environment is an interface so the judging is tested with tiny fixture drills.
 */
import type { Lang } from '../../plugins/remark-runbook/types';
import { isActionStep, type CheckRef, type Drill, type SnippetStep } from './schema';

/** How a block's run ended, as the page saw it (its `done` message). */
export interface RunOutcome {
  /** The manifest key that ran (with its dialect, if any). */
  readonly key: string;
  readonly lang: Lang;
  readonly mode: 'read' | 'write';
  readonly status: 'succeeded' | 'failed' | 'cancelled' | 'rejected';
  readonly rowCount: number;
  /** For a SQL write: the rows it changed (the engine's count), when the engine reports one. */
  readonly changedRows?: number;
  /** For an escalated SQL write: the rows the approval's preview said it would change. */
  readonly previewedRows?: number;
  readonly check?: { readonly passed: boolean; readonly detail: string; readonly verdict?: 'ok' | 'warn' | 'error' };
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DrillEnvironment {
  /** Activates the scenario and waits until the fault is in place (the night's replayed run has ended). */
  activate(scenario: string): Promise<void>;
  act(scenario: string, action: string): Promise<void>;
  /** Deactivates the scenario and waits until the demo is back to its baseline. */
  deactivate(scenario: string): Promise<void>;
  /** Runs a block as the operator; an escalation step is approved by `approver` first. */
  run(step: SnippetStep): Promise<RunOutcome>;
}

export interface DrillResult {
  readonly name: string;
  readonly ok: boolean;
  /** Checks that failed under the fault, of those listed. */
  readonly failedUnderFault: number;
  /** Checks that passed after the recovery, of those listed. */
  readonly passedAfterRecovery: number;
  readonly problems: readonly string[];
  readonly seconds: number;
}

const describe = (o: RunOutcome) => o.check?.detail ?? o.error?.message ?? `${o.status}, ${o.rowCount} row(s)`;
// A check notices a fault by erroring, or by warning (an SLA check before its deadline says "not yet, due 08:30"),
// so a drill does not depend on the hour it runs; passing after the recovery means ok, never a warning.
const failedCheck = (o: RunOutcome) => (o.status === 'failed' && o.check?.passed === false) || o.check?.verdict === 'warn';
const passedCheck = (o: RunOutcome) => o.status === 'succeeded' && o.check?.passed === true && o.check.verdict !== 'warn';

export async function judgeDrill(drill: Drill, env: DrillEnvironment, now: () => number = Date.now): Promise<DrillResult> {
  const started = now();
  const problems: string[] = [];
  let failedUnderFault = 0;
  let passedAfterRecovery = 0;
  const check = async (ref: CheckRef): Promise<RunOutcome | null> => {
    try {
      return await env.run(ref);
    } catch (error) {
      problems.push(`${ref.snippet} could not run: ${(error as Error).message}`);
      return null;
    }
  };

  try {
    await env.activate(drill.fault.scenario);
  } catch (error) {
    problems.push(`the fault ${drill.fault.scenario} could not be injected: ${(error as Error).message}`);
    return { name: drill.name, ok: false, failedUnderFault, passedAfterRecovery, problems, seconds: (now() - started) / 1000 };
  }
  try {
    for (const ref of drill.fails) {
      const o = await check(ref);
      if (!o) continue;
      if (failedCheck(o)) failedUnderFault++;
      else if (o.status === 'succeeded') problems.push(`${ref.snippet} passes while ${drill.fault.scenario} is active: the check cannot see this fault (${describe(o)})`);
      else problems.push(`${ref.snippet} did not run to a check result under the fault: ${o.status} (${describe(o)})`);
    }
    let recovered = true;
    for (const [i, step] of drill.recover.entries()) {
      const label = isActionStep(step) ? `action ${step.action}` : step.snippet;
      try {
        if (isActionStep(step)) {
          await env.act(drill.fault.scenario, step.action);
          continue;
        }
        const o = await env.run(step);
        if (o.status !== 'succeeded') problems.push(`recovery step ${i + 1} (${label}) did not succeed: ${o.status} (${describe(o)})`);
        else if (o.lang === 'sql' && o.mode === 'write' && (o.changedRows ?? o.rowCount) === 0) problems.push(`recovery step ${i + 1} (${label}) changed 0 rows: the repair changed nothing`);
        else {
          // The approver decided on the preview: a preview that does not match what ran misled them.
          if (o.previewedRows !== undefined && o.changedRows !== undefined && o.previewedRows !== o.changedRows) {
            problems.push(`recovery step ${i + 1} (${label}): the approval's preview said ${o.previewedRows} row(s), the run changed ${o.changedRows}`);
          }
          continue;
        }
      } catch (error) {
        problems.push(`recovery step ${i + 1} (${label}) could not run: ${(error as Error).message}`);
      }
      recovered = false;
      break;
    }
    if (recovered) {
      for (const ref of drill.passes) {
        const o = await check(ref);
        if (!o) continue;
        if (passedCheck(o)) passedAfterRecovery++;
        else problems.push(`${ref.snippet} still fails after the recovery: the repair changed nothing it checks (${describe(o)})`);
      }
    }
  } finally {
    try {
      await env.deactivate(drill.fault.scenario);
    } catch (error) {
      problems.push(`the fault ${drill.fault.scenario} could not be deactivated: ${(error as Error).message}`);
    }
  }
  if (!problems.some((p) => p.includes('could not be deactivated'))) {
    for (const ref of uniqueRefs([...drill.fails, ...drill.passes])) {
      const o = await check(ref);
      if (o && !passedCheck(o)) problems.push(`${ref.snippet} fails on the restored baseline after deactivating ${drill.fault.scenario}: deactivation does not return the demo to green (${describe(o)})`);
    }
  }
  return { name: drill.name, ok: problems.length === 0, failedUnderFault, passedAfterRecovery, problems, seconds: (now() - started) / 1000 };
}

function uniqueRefs(refs: readonly CheckRef[]): CheckRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.snippet} ${JSON.stringify(r.params ?? {})}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
