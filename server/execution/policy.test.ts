import { describe, expect, it } from 'vitest';
import { makeManifest } from '../testing/harness';
import { DEMO_OPERATOR } from '../identity';
import type { EnvironmentConfig } from '../config';
import { SQL_FIXTURES } from '../../plugins/remark-runbook/syntax/__fixtures__/sqlStatements';
import { decide } from './policy';

const env = { label: 'Demo', production: false, connections: {} } as unknown as EnvironmentConfig;

function snippet(text: string, over: { role?: 'service-team' | 'escalation'; mode?: 'read' | 'write' } = {}) {
  return makeManifest({ 'rb/q': { text, ...over } }).snippets['rb/q']!;
}

/** The server refuses exactly what the linter rejects (same fixture list as the classifier's test). */
describe('the server policy on the linter fixtures', () => {
  it.each(SQL_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const decision = decide({ snippet: snippet(fixture.sql), envName: 'demo', env, identity: DEMO_OPERATOR, confirm: undefined });
    expect(decision.ok).toBe(!fixture.refusedInServiceTeamRead);
    if (!decision.ok) expect(decision.code).toBe('forbidden');
  });

  it('says why and what to do instead', () => {
    const decision = decide({ snippet: snippet("select '--' as a; CREATE TABLE training.x AS SELECT 1"), envName: 'demo', env, identity: DEMO_OPERATOR, confirm: undefined });
    expect(decision).toMatchObject({ ok: false, message: expect.stringMatching(/DDL never runs from a service-team step: it runs DDL \(CREATE\)/), hint: expect.stringMatching(/escalation/) });
  });

  it('lets an approved escalation write reach outside the database, where an approver saw it first', () => {
    const decision = decide({ snippet: snippet('select pg_terminate_backend(4242)', { role: 'escalation', mode: 'write' }), envName: 'demo', env, identity: DEMO_OPERATOR, confirm: undefined });
    expect(decision).toEqual({ ok: true, needsApproval: true });
  });
});
