import { describe, expect, it } from 'vitest';
import type { MeResponse } from '@site/server/api';
import { availabilityFromMe, replaceScenario, runbookLabel, type ScenarioInfo } from './scenarios';

const me = (authMode: MeResponse['authMode']): MeResponse => ({ user: 'dana.operator', displayName: 'Dana', roles: ['service-team'], authMode });
const scenario = (id: string, active: boolean): ScenarioInfo => ({
  id, title: id, summary: '', runbook: '/canonical/failure-handling', active, activatedAt: null, note: null, dagRun: null, settled: true, actions: [], allActions: [],
});

describe('the Training page', () => {
  it('asks for scenarios on a demo server only', () => {
    expect(availabilityFromMe({ status: 'ready', me: me('demo'), error: null })).toEqual({ status: 'ready' });
    expect(availabilityFromMe({ status: 'ready', me: me('oidc'), error: null })).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/oidc/) });
    expect(availabilityFromMe({ status: 'loading', me: null, error: null })).toEqual({ status: 'loading' });
    expect(availabilityFromMe({ status: 'offline', me: null, error: 'down' })).toMatchObject({ status: 'error' });
  });

  it('reads a runbook path as its page and section', () => {
    expect(runbookLabel('/canonical/failure-handling#360-layer-failure')).toBe('Failure handling › 360 layer failure');
    expect(runbookLabel('/canonical/basic-data-validation')).toBe('Basic data validation');
    expect(runbookLabel('/canonical/failure-handling#ldz-load-failure')).toBe('Failure handling › LDZ load failure');
    expect(runbookLabel('/canonical/setup-dags')).toBe('Setup DAGs');
  });

  it('replaces a switched scenario and keeps the order', () => {
    const list = [scenario('a', false), scenario('b', false)];
    expect(replaceScenario(list, scenario('b', true)).map((s) => [s.id, s.active])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});
