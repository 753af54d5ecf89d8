import { describe, expect, it } from 'vitest';
import { triggerPlan } from './triggerPreview';

const columns = ['dag_id', 'logical_date', 'conf', 'run_id', 'dag_paused', 'existing_run'].map((name) => ({ name }));

describe('a trigger preview as the confirmation shows it', () => {
  it('reads the DAG, logical date, conf and the run that would be created', () => {
    expect(triggerPlan(columns, [['ecomm_daily', '2026-12-01T00:00:00Z', '{"business_date":"2026-12-01"}', 'manual__2026-12-01T00:00:00+00:00', false, null]])).toEqual({
      dagId: 'ecomm_daily', logicalDate: '2026-12-01T00:00:00Z', conf: '{"business_date":"2026-12-01"}', runId: 'manual__2026-12-01T00:00:00+00:00', paused: false, existingRun: null,
    });
  });

  it('carries the warnings: a paused DAG, a logical date already taken', () => {
    expect(triggerPlan(columns, [['d', 'x', '{}', 'r', true, 'manual__x (success)']])).toMatchObject({ paused: true, existingRun: 'manual__x (success)' });
  });

  it('is null without a row or without the columns it needs', () => {
    expect(triggerPlan(columns, [])).toBeNull();
    expect(triggerPlan([{ name: 'other' }], [['x']])).toBeNull();
  });
});
