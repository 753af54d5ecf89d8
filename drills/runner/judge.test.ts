import { describe, expect, it } from 'vitest';
import { judgeDrill, type DrillEnvironment, type RunOutcome } from './judge';
import type { Drill, SnippetStep } from './schema';

type Phase = 'baseline' | 'fault' | 'recovered';

/** A demo stand-in: each block answers according to where the drill is (fault in, repaired, restored). */
function fakeEnv(answers: Readonly<Record<string, (phase: Phase) => Partial<RunOutcome>>>, options: { repairs?: boolean } = {}) {
  let phase: Phase = 'baseline';
  const calls: string[] = [];
  const env: DrillEnvironment = {
    async activate(s) {
      calls.push(`activate ${s}`);
      phase = 'fault';
    },
    async act(s, a) {
      calls.push(`act ${s} ${a}`);
    },
    async deactivate(s) {
      calls.push(`deactivate ${s}`);
      phase = 'baseline';
    },
    async run(step: SnippetStep) {
      calls.push(`run ${step.snippet}`);
      const outcome: RunOutcome = { key: step.snippet, lang: 'sql', mode: 'read', status: 'succeeded', rowCount: 1, ...answers[step.snippet]?.(phase) };
      if (outcome.mode === 'write' && outcome.status === 'succeeded' && options.repairs !== false) phase = 'recovered';
      return outcome;
    },
  };
  return { env, calls };
}

const check = (failsIn: readonly Phase[]) => (phase: Phase): Partial<RunOutcome> =>
  failsIn.includes(phase) ? { status: 'failed', check: { passed: false, detail: 'value = 3, expected = 0' } } : { status: 'succeeded', check: { passed: true, detail: 'value = 0' } };

const drill = (over: Partial<Drill> = {}): Drill => ({
  id: 'tiny', family: 'canonical', name: 'canonical/tiny', file: 'drills/canonical/tiny.yaml', title: 'Tiny', symptom: 'A tiny fault for the tests.',
  runbook: '/canonical/failure-handling', fault: { scenario: 'tiny_fault' }, hints: [],
  fails: [{ snippet: 'rb/check' }], recover: [{ snippet: 'rb/repair' }], passes: [{ snippet: 'rb/check' }], ...over,
});

describe('judging a drill', () => {
  it('passes when the check fails under the fault, the repair changes rows, and the check passes after it and on the baseline', async () => {
    const { env, calls } = fakeEnv({ 'rb/check': check(['fault']), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) });
    const result = await judgeDrill(drill(), env);
    expect(result).toMatchObject({ ok: true, failedUnderFault: 1, passedAfterRecovery: 1, problems: [] });
    expect(calls).toEqual(['activate tiny_fault', 'run rb/check', 'run rb/repair', 'run rb/check', 'deactivate tiny_fault', 'run rb/check']);
  });

  it('reports a check that passes while its fault is active', async () => {
    const { env } = fakeEnv({ 'rb/check': check([]), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) });
    const result = await judgeDrill(drill(), env);
    expect(result.ok).toBe(false);
    expect(result.failedUnderFault).toBe(0);
    expect(result.problems).toEqual([expect.stringMatching(/^rb\/check passes while tiny_fault is active: the check cannot see this fault/)]);
  });

  it('counts a warning as the check noticing the fault (an SLA before its deadline), but not as passing after the recovery', async () => {
    const warn: Partial<RunOutcome> = { status: 'succeeded', check: { passed: true, detail: 'not yet true; due 08:30 UTC', verdict: 'warn' } };
    const ok: Partial<RunOutcome> = { status: 'succeeded', check: { passed: true, detail: 'value 0', verdict: 'ok' } };
    const noticed = await judgeDrill(drill(), fakeEnv({ 'rb/check': (p) => (p === 'fault' ? warn : ok), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) }).env);
    expect(noticed).toMatchObject({ ok: true, failedUnderFault: 1, passedAfterRecovery: 1 });
    const stillWarning = await judgeDrill(drill(), fakeEnv({ 'rb/check': (p) => (p === 'baseline' ? ok : warn), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) }).env);
    expect(stillWarning.ok).toBe(false);
    expect(stillWarning.passedAfterRecovery).toBe(0);
  });

  it('reports a SQL repair that changes no row, and does not judge the checks after it', async () => {
    const { env } = fakeEnv({ 'rb/check': check(['fault']), 'rb/repair': () => ({ mode: 'write', rowCount: 1, changedRows: 0 }) }, { repairs: false });
    const result = await judgeDrill(drill(), env);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/recovery step 1 \(rb\/repair\) changed 0 rows: the repair changed nothing/)]);
  });

  it('reports an escalated repair whose approval preview does not match what it changed', async () => {
    const { env } = fakeEnv({ 'rb/check': check(['fault']), 'rb/repair': () => ({ mode: 'write', rowCount: 1, changedRows: 5, previewedRows: 0 }) });
    const result = await judgeDrill(drill(), env);
    expect(result.problems).toEqual([expect.stringMatching(/recovery step 1 \(rb\/repair\): the approval's preview said 0 row\(s\), the run changed 5/)]);
  });

  it('reports a check that still fails after a recovery that ran', async () => {
    const { env } = fakeEnv({ 'rb/check': check(['fault', 'recovered']), 'rb/repair': () => ({ mode: 'write', rowCount: 2 }) });
    const result = await judgeDrill(drill(), env);
    expect(result.problems).toEqual([expect.stringMatching(/^rb\/check still fails after the recovery: the repair changed nothing it checks \(value = 3/)]);
  });

  it('reports an Airflow recovery run that does not succeed', async () => {
    const { env } = fakeEnv({
      'rb/check': check(['fault']),
      'rb/repair': () => ({ lang: 'airflow', mode: 'write', status: 'failed', error: { code: 'connector_error', message: 'cdm_360_refresh run failed: task refresh_campaign_360 failed' } }),
    });
    const result = await judgeDrill(drill(), env);
    expect(result.problems).toEqual([expect.stringMatching(/recovery step 1 \(rb\/repair\) did not succeed: failed \(cdm_360_refresh run failed/)]);
  });

  it('reports a check that stays red after the fault is deactivated, and always deactivates', async () => {
    const { env, calls } = fakeEnv({ 'rb/check': check(['fault', 'baseline']), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) });
    const result = await judgeDrill(drill(), env);
    expect(calls).toContain('deactivate tiny_fault');
    expect(result.problems).toEqual([expect.stringMatching(/^rb\/check fails on the restored baseline after deactivating tiny_fault/)]);
  });

  it('runs scenario actions in the recovery through the environment', async () => {
    const { env, calls } = fakeEnv({ 'rb/check': check(['fault']), 'rb/repair': () => ({ mode: 'write', rowCount: 5 }) });
    await judgeDrill(drill({ recover: [{ action: 'deliver' }, { snippet: 'rb/repair' }] }), env);
    expect(calls).toContain('act tiny_fault deliver');
  });
});
