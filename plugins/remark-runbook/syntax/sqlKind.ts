/**
 * The SQL rules a runbook snippet must follow, decided once for the linter (build, `npm run
 * lint:runbooks`) and the server (every run), so an author hears at build time exactly what the server
 * would refuse. Built on the statement classifier (sqlClassify.ts). It is advice and one layer of the
 * server's policy; the database's read-only session and the role's privileges are the real boundary.
 */
import type { Mode, Role } from '../types';
import { classifyStatements, type ClassifiedStatement } from './sqlClassify';

export type { ClassifiedStatement, StatementKind } from './sqlClassify';
export { classifyStatements } from './sqlClassify';

export interface SqlKinds {
  readonly ddl: readonly string[];
  readonly writes: readonly string[];
}

/** Keywords of the statements that define or change data (`with … insert` included). */
export function classifySql(sql: string): SqlKinds {
  const statements = classifyStatements(sql);
  return {
    ddl: statements.filter((s) => s.kind === 'ddl').map((s) => s.keyword),
    writes: statements.filter((s) => s.kind === 'write').map((s) => s.keyword),
  };
}

export interface SqlVerdict {
  /** Why the server refuses to run this snippet, or null. */
  readonly refusal: { readonly reason: 'ddl' | 'unsafe' | 'transaction'; readonly message: string; readonly hint: string } | null;
  /** What the author should hear but the server still runs (the read-only session will stop a write). */
  readonly warnings: readonly string[];
}

export function sqlVerdict(sql: string, snippet: { readonly role: Role; readonly mode: Mode }): SqlVerdict {
  const statements = classifyStatements(sql);
  const of = (kind: ClassifiedStatement['kind']) => statements.filter((s) => s.kind === kind).map((s) => s.keyword);
  const ddl = of('ddl');
  const unsafe = of('unsafe');
  const transaction = of('transaction-control');
  const warnings: string[] = [];
  const changes = [...ddl, ...of('write'), ...of('session')];
  if (snippet.mode === 'read' && changes.length) {
    warnings.push(`It is mode=read but its SQL writes (${changes.join(', ')}); it will fail in a read-only session. Add mode=write if it is meant to change data.`);
  }
  if (transaction.length) {
    return { refusal: { reason: 'transaction', message: `It uses transaction control (${transaction.join(', ')}).`, hint: 'Remove it: Opsbook runs each snippet in its own transaction, committed for mode=write and rolled back for mode=read.' }, warnings };
  }
  if (snippet.role === 'service-team' && ddl.length) {
    return { refusal: { reason: 'ddl', message: `It runs DDL (${ddl.join(', ')}) in a service-team step.`, hint: 'DDL is outside the team\'s scope: move it to a role="escalation" step, or use the setup DAGs.' }, warnings };
  }
  if (unsafe.length && (snippet.role === 'service-team' || snippet.mode === 'read')) {
    return {
      refusal: {
        reason: 'unsafe',
        message: `It reaches outside the database or into other sessions (${unsafe.join(', ')}).`,
        hint: 'Server files, programs, other sessions and procedural blocks are for a role="escalation" step with mode=write, where an approver sees them first.',
      },
      warnings,
    };
  }
  return { refusal: null, warnings };
}
