import { describe, expect, it } from 'vitest';
import { parseRunbookSource } from '../parseFile';
import { extractRunbook } from '../extract';
import { classifyStatements, classifySql } from './sqlKind';
import { splitSqlText, tokenizeSql } from './sqlTokens';
import { SQL_FIXTURES } from './__fixtures__/sqlStatements';

describe('the SQL classifier', () => {
  it.each(SQL_FIXTURES.map((f) => [f.name, f] as const))('classifies %s', (_name, fixture) => {
    expect(classifyStatements(fixture.sql).map((s) => s.kind)).toEqual(fixture.kinds);
  });

  it('keeps the keyword summary the linter reports', () => {
    expect(classifySql("select '--' as a; CREATE TABLE training.x AS SELECT 1")).toEqual({ ddl: ['CREATE'], writes: [] });
    expect(classifySql('explain analyze delete from t').writes).toEqual(['EXPLAIN ANALYZE DELETE']);
  });

  it('splits statements on top-level semicolons only, keeping each statement text', () => {
    expect(splitSqlText("select ';' as a; /* ; */ select $x$;$x$ ;\n-- ;\nselect 3")).toEqual(["select ';' as a", 'select $x$;$x$', 'select 3']);
  });

  it('does not take $1 parameters or word-internal dollars for dollar quotes', () => {
    expect(tokenizeSql('select $1, a$b from t where x = $2').filter((t) => t.kind === 'word').map((t) => t.text)).toEqual(['select', 'a$b', 'from', 't', 'where', 'x']);
  });
});

/** The build says exactly what the server refuses: one runbook per fixture, a service-team read step. */
describe('the linter on the same fixtures', () => {
  it.each(SQL_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const source = `---\ntitle: Fixture\nrunbook:\n  id: fixture-runbook\n  system: canonical\n  approver: implementation-manager\n---\n\n:::step[One]{#one role="service-team"}\n\`\`\`sql run id=q\n${fixture.sql}\n\`\`\`\n:::\n`;
    const parsed = parseRunbookSource(source, 'fixture.mdx');
    const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file: 'fixture.mdx', source });
    const errors = [...parsed.diagnostics, ...extracted.diagnostics].filter((d) => d.severity === 'error');
    expect(errors.length > 0).toBe(fixture.refusedInServiceTeamRead);
  });
});
