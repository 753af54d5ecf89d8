import { describe, expect, it } from 'vitest';
import type { OperationEvent } from '@site/server/operations/types';
import { followsOn, mergeEvents } from './mergeEvents';

const ev = (seq: number, text = `n${seq}`): OperationEvent => ({ id: `e${seq}`, operation: 'op', seq, at: '2026-12-02T00:00:00.000Z', actor: { user: 'u', displayName: 'U' }, data: { kind: 'note', text } });

describe('timeline merging', () => {
  it('keeps one event per number, in order, whatever order pushes and refetches arrive in', () => {
    expect(mergeEvents([ev(1), ev(3)], [ev(2), ev(3, 'again')]).map((e) => [e.seq, e.data.kind === 'note' && e.data.text])).toEqual([
      [1, 'n1'],
      [2, 'n2'],
      [3, 'again'],
    ]);
  });

  it('says a push that skips a number needs a refetch', () => {
    expect(followsOn([ev(1), ev(2)], ev(3))).toBe(true);
    expect(followsOn([ev(1), ev(2)], ev(2))).toBe(true);
    expect(followsOn([ev(1)], ev(3))).toBe(false);
    expect(followsOn([], ev(1))).toBe(true);
  });
});
