import { describe, expect, it } from 'vitest';
import type { DoneMessage } from '@site/server/protocol';
import { writeOutcome } from './writeOutcome';

const done = (over: Partial<DoneMessage>): DoneMessage => ({ type: 'done', id: 'r1', status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 5, ...over });

describe('what a finished write tells the operator', () => {
  it('says how many rows changed when it changed some', () => {
    expect(writeOutcome(done({ rowsAffected: 3 }))).toEqual({ tone: 'changed', count: '3 rows changed', sentence: null });
    expect(writeOutcome(done({ rowsAffected: 1 }))?.count).toBe('1 row changed');
  });

  it('warns, with a sentence, when it changed nothing', () => {
    const w = writeOutcome(done({ rowsAffected: 0 }));
    expect(w).toMatchObject({ tone: 'nothing', count: '0 rows changed' });
    expect(w?.sentence).toMatch(/matched nothing.*Check the parameters/);
  });

  it('says a write its check rolled back changed nothing', () => {
    const w = writeOutcome(done({ status: 'failed', rowsAffected: 0, rolledBack: true, check: { passed: false, detail: '0 rows changed; expected affected > 0' } }));
    expect(w).toMatchObject({ tone: 'rolledBack' });
    expect(w?.sentence).toMatch(/^Rolled back: .*nothing was saved/);
  });

  it('has nothing to say for reads, Airflow runs, or a write that failed in the database', () => {
    expect(writeOutcome(done({ rowCount: 4 }))).toBeNull();
    expect(writeOutcome(null)).toBeNull();
    expect(writeOutcome(done({ status: 'failed', rowsAffected: 2, error: { code: 'connector_error', message: 'x' } }))).toBeNull();
  });
});
