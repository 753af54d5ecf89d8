import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { approval } from '../../lib/__fixtures__/approval';
import { approvalMismatches, blockApprovalState, describeMismatch, normalizeParam, pickBlockApproval, type RunIntent } from './approvalMatch';

const params: ParamSpec[] = [
  { name: 'business_date', type: 'date', default: 'today' },
  { name: 'days', type: 'int', default: '7' },
];
const intent: RunIntent = { snippet: 'rb/fix-keys', sha256: 'a'.repeat(64), env: 'demo', params: { business_date: '2026-11-23', days: '7' } };
const approved = approval({ status: 'approved', decidedBy: { user: 'alex', displayName: 'Alex' }, comment: 'ok' });

describe('approvalMismatches', () => {
  it('matches when the form sends what was approved (the server resolved 7 to a number)', () => {
    expect(approvalMismatches(approved, intent, params)).toEqual([]);
  });

  it('reports a changed parameter with both values', () => {
    const changed = approvalMismatches(approved, { ...intent, params: { ...intent.params, business_date: '2026-11-22' } }, params);
    expect(changed).toEqual([{ field: 'param', name: 'business_date', approved: '2026-11-23', current: '2026-11-22' }]);
    expect(describeMismatch(changed[0]!)).toBe('business_date approved as 2026-11-23, now 2026-11-22');
  });

  it('reports another environment', () => {
    expect(approvalMismatches(approved, { ...intent, env: 'qa' }, params)).toEqual([{ field: 'env', name: 'environment', approved: 'demo', current: 'qa' }]);
  });

  it('reports another variant (engine) or a new version of the snippet', () => {
    expect(approvalMismatches(approved, { ...intent, snippet: 'rb/fix-keys:postgres' }, params).map((m) => m.field)).toEqual(['snippet']);
    expect(approvalMismatches(approved, { ...intent, sha256: 'b'.repeat(64) }, params).map((m) => m.field)).toEqual(['sha256']);
  });

  it('reports a cleared value and a parameter the approval does not have', () => {
    const extra: ParamSpec[] = [...params, { name: 'layer', type: 'enum(rdv|ldz)', default: 'rdv' }];
    const m = approvalMismatches(approved, { ...intent, params: { ...intent.params, days: '', layer: 'rdv' } }, extra);
    expect(m.map((x) => x.name)).toEqual(['days', 'layer']);
  });
});

describe('normalizeParam', () => {
  it('compares numbers as numbers and datetimes in one spelling', () => {
    expect(normalizeParam('int', '007')).toBe('7');
    expect(normalizeParam('number', 1.50)).toBe('1.5');
    expect(normalizeParam('datetime', '2026-11-23 08:00')).toBe('2026-11-23T08:00:00');
    expect(normalizeParam('datetime', '2026-11-23T08:00:00.000Z')).toBe('2026-11-23T08:00:00');
    expect(normalizeParam('date', '2026-11-23T00:00:00Z')).toBe('2026-11-23');
    expect(normalizeParam('string', '  a  ')).toBe('a');
    expect(normalizeParam('int', null)).toBe('');
  });
});

describe('pickBlockApproval and blockApprovalState', () => {
  const now = Date.parse('2026-11-23T09:10:00.000Z');
  const base = { keys: ['rb/fix-keys', 'rb/fix-keys:postgres'], user: 'dana', now, requestedHere: new Set<string>() };

  it("picks the user's newest request for one of the block's variants", () => {
    const old = approval({ id: 'old', requestedAt: '2026-11-23T08:50:00.000Z' });
    const mine = approval({ id: 'mine', snippet: 'rb/fix-keys:postgres', requestedAt: '2026-11-23T09:05:00.000Z' });
    const someoneElse = approval({ id: 'other', requestedAt: '2026-11-23T09:08:00.000Z', requestedBy: { user: 'sam', displayName: 'Sam' } });
    const otherStep = approval({ id: 'step2', snippet: 'rb/other', requestedAt: '2026-11-23T09:09:00.000Z' });
    expect(pickBlockApproval([old, mine, someoneElse, otherStep], base)?.id).toBe('mine');
    expect(pickBlockApproval([someoneElse, otherStep], base)).toBeNull();
  });

  it('treats an old finished approval as history, unless it was requested on this page', () => {
    const used = approval({ id: 'u', requestedAt: '2026-11-23T07:00:00.000Z', status: 'used', usedAt: '2026-11-23T07:30:00.000Z' });
    expect(pickBlockApproval([used], base)).toBeNull();
    expect(pickBlockApproval([used], { ...base, requestedHere: new Set(['u']) })?.id).toBe('u');
    const recent = approval({ id: 'r', status: 'rejected', decidedAt: '2026-11-23T09:00:00.000Z' });
    expect(pickBlockApproval([recent], base)?.id).toBe('r');
  });

  it('counts an approval this page already ran with as used, and an old one as expired', () => {
    expect(blockApprovalState(null, now, new Set())).toBe('none');
    expect(blockApprovalState(approved, now, new Set())).toBe('approved');
    expect(blockApprovalState(approved, now, new Set([approved.id]))).toBe('used');
    expect(blockApprovalState(approved, now + 2 * 3_600_000, new Set())).toBe('expired');
    expect(blockApprovalState(approval(), now, new Set())).toBe('pending');
  });
});
