import { describe, expect, it } from 'vitest';
import type { DagRun } from './model';
import { shifted, shiftedPrecise } from './taskContext';
import { preciseWarehouseTime } from './warehouse';

// Warehouse times are the machine's local wall clock, so expectations are built the same way.
const local = (iso: string, shiftMs = 0) => preciseWarehouseTime(new Date(Date.parse(iso) + shiftMs));

// "The latest attempt" in the runbooks' checks is the latest start: tries of one night that start within
// the same second (a quick retry, a clear right after a replay) must still be ordered.
describe('recorded start times', () => {
  const run = { recordShiftMs: -3_600_000 } as unknown as DagRun;
  it('keeps the milliseconds, so two tries in one second do not tie', () => {
    const first = shiftedPrecise(run, '2026-12-02T04:45:05.120Z');
    const second = shiftedPrecise(run, '2026-12-02T04:45:05.870Z');
    expect(first).toBe(local('2026-12-02T04:45:05.120Z', -3_600_000));
    expect(first.endsWith('05.120')).toBe(true);
    expect(second > first).toBe(true);
    expect(shifted(run, '2026-12-02T04:45:05.870Z')).toBe(local('2026-12-02T04:45:05.870Z', -3_600_000).slice(0, 19).replace('T', ' '));
  });
  it('records an unshifted run at the instant itself', () => {
    expect(shiftedPrecise({} as DagRun, '2026-12-02T04:45:05.870Z')).toBe(local('2026-12-02T04:45:05.870Z'));
  });
});
