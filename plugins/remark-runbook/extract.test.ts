import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbookSource } from './parseFile';
import { extractRunbook } from './extract';
import { toManifestSnippet } from './snippet';
import type { Diagnostic } from './syntax/diagnostics';

const fixtures = path.join(__dirname, '__fixtures__');

function lint(name: string): { diagnostics: Diagnostic[]; extracted: ReturnType<typeof extractRunbook> } {
  const file = `__fixtures__/${name}.mdx`;
  const source = fs.readFileSync(path.join(fixtures, `${name}.mdx`), 'utf8');
  const parsed = parseRunbookSource(source, file);
  const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file, source });
  return { diagnostics: [...parsed.diagnostics, ...extracted.diagnostics], extracted };
}

describe('a valid runbook', () => {
  const { diagnostics, extracted } = lint('valid');

  it('has no errors or warnings', () => {
    expect(diagnostics).toEqual([]);
  });

  it('reads the front matter, steps with roles, and the effective approver', () => {
    expect(extracted.runbook?.id).toBe('fixture-runbook');
    expect(extracted.steps.map((s) => [s.id, s.role, s.approver, s.duration])).toEqual([
      ['verify-ldz', 'service-team', null, '10m'],
      ['rebuild-hub', 'escalation', 'data-engineering-lead', null],
      ['per-engine', 'service-team', null, null],
    ]);
    expect(extracted.steps[0]!.title).toBe('Verify the LDZ load');
  });

  it('reads every fence attribute of a runnable block and leaves plain fences alone', () => {
    const ldz = extracted.blocks.find((b) => b.id === 'ldz-rows')!;
    expect(ldz).toMatchObject({
      lang: 'sql',
      target: 'warehouse',
      envs: ['*'],
      mode: 'read',
      params: [{ name: 'business_date', type: 'date', default: 'today' }],
      expect: 'rows>0',
      title: 'LDZ rows',
      dialect: null,
      line: 14,
    });
    expect(ldz.text).toContain('where business_date = :business_date');
    expect(extracted.blocks.map((b) => `${b.id}${b.dialect ? ':' + b.dialect : ''}`)).toEqual([
      'ldz-rows',
      'rebuild',
      'count-rows:duckdb',
      'count-rows:oracle',
      'count-rows',
    ]);
  });
});

const errors: [behaviour: string, fixture: string, line: number, column: number, message: RegExp][] = [
  ['rejects a step without a role', 'step-without-role', 9, 1, /has no role.*role="service-team".*role="escalation"/],
  ['rejects a role other than service-team or escalation', 'step-bad-role', 9, 1, /role must be "service-team" or "escalation"/],
  ['rejects a step without an id', 'step-without-id', 9, 1, /has no id/],
  ['rejects an unknown step attribute', 'step-unknown-attribute', 9, 1, /Unknown step attribute "owner"/],
  ['rejects an unknown container directive', 'unknown-directive', 9, 1, /Unknown directive ":::checklist"/],
  ['rejects an inline text directive and says how to escape it', 'text-directive', 9, 16, /Unknown inline directive ":sharp".*escape/],
  ['rejects a snippet id used twice in a runbook', 'duplicate-id', 16, 1, /Snippet id "same" is already used at line 10/],
  ['rejects a step id used twice', 'duplicate-step-id', 13, 1, /Step id "one" is already used at line 9/],
  ['rejects a parameter used in SQL but not declared', 'undeclared-param', 13, 1, /Parameter "business_date" is used but not declared/],
  ['rejects an unknown parameter type', 'bad-param-type', 10, 17, /Unknown parameter type "timestamp"/],
  ['rejects a default that does not fit its type', 'bad-param-default', 10, 17, /bad default "ten": expected a whole number/],
  ['rejects an expect that is not a check, pointing at the mistake', 'bad-expect', 10, 30, /expect="rows is positive" is not a check: Expected a comparison/],
  ['rejects a warn window that is neither runs nor days', 'bad-warn', 11, 43, /warn="value > 0.8 \* avg\(7 weeks\)" is not a check: Say whether avg\(7 …\) counts runs or days/],
  ['rejects an error condition without its comparison', 'bad-error-condition', 11, 67, /error="deviation\(value, avg_7d\) 20%" is not a check: Expected a comparison/],
  ['rejects a deadline on an error condition and says to move it to expect', 'deadline-on-error', 11, 34, /belongs on expect/],
  ['rejects a warn or error condition on a write', 'condition-on-write', 11, 28, /error= is a check on what a read SQL block returns; this block is mode=write/],
  ['rejects a sample that is not a number of rows', 'bad-sample', 11, 35, /sample="lots" must be a whole number/],
  ['rejects a sample on a block without a check', 'sample-without-check', 11, 17, /this block has no expect, warn or error/],
  ['rejects an age compared with a plain number', 'bad-expect-condition', 11, 40, /An age is a duration/],
  ['rejects an unknown fence attribute', 'unknown-fence-attribute', 10, 17, /Unknown attribute "timeout"/],
  ['rejects DDL in a service-team step', 'ddl-in-service-team', 10, 1, /runs DDL \(CREATE\) in a service-team step/],
  ['rejects a runnable block outside a step', 'runnable-outside-step', 9, 1, /outside any step/],
  ['rejects nested steps', 'nested-steps', 10, 1, /steps cannot nest/],
  ['rejects a mode other than read or write', 'bad-mode', 10, 17, /mode="delete" must be "read" or "write"/],
  ['rejects an unknown dialect', 'bad-dialect', 10, 17, /dialect="mysql" is not an engine/],
  ['rejects an unclosed quote in the fence', 'unclosed-quote', 10, 23, /never closed/],
  ['rejects an approver on a service-team step', 'service-team-with-approver', 9, 1, /only escalation steps have approvers/],
  ['rejects an Airflow command it does not know', 'airflow-unknown-command', 11, 1, /"dags explode" is not a supported Airflow command/],
  ['rejects a stray ::: left when a nested admonition closed the step', 'stray-close', 13, 1, /stray ":::".*more colons/],
  ['rejects a snippet without a variant for an engine the runbook declares', 'engine-variant-missing', 10, 1, /no variant for snowflake, which this runbook declares in engines/],
  ['rejects bad front matter, naming each field at its line', 'bad-front-matter', 4, 3, /runbook\.id: use lowercase kebab-case/],
  ['rejects a time zone that is not an IANA name, at its line', 'bad-timezone', 6, 3, /runbook\.timezone: "Asia\/Bangkcok" is not a known IANA time zone; write one like Asia\/Bangkok/],
  ['rejects expect="affected …" on a read, which changes nothing', 'affected-on-read', 9, 17, /expect="affected > 0" checks rows changed, but this block is mode=read.*Add mode=write/],
  ['rejects steps on a page without runbook front matter', 'steps-without-runbook', 5, 1, /no runbook front matter/],
];

describe('a check written as a monitoring rule', () => {
  const { diagnostics, extracted } = lint('valid-monitor');

  it('lints clean and carries its conditions and sample into the manifest, which hashes them', () => {
    expect(diagnostics).toEqual([]);
    const [, snippet] = toManifestSnippet('fixture-runbook', 'f.mdx', extracted.blocks[0]!);
    expect(snippet).toMatchObject({ expect: 'value > 0 by 08:00 UTC', warn: 'deviation(avg(7 days)) > 25%', error: 'deviation(value, avg_7d) > 20% or zscore(30 days, min 10) > 3', sample: 50, stepTitle: 'One' });
    const [, looser] = toManifestSnippet('fixture-runbook', 'f.mdx', { ...extracted.blocks[0]!, error: 'deviation(value, avg_7d) > 30%' });
    expect(looser.sha256).not.toBe(snippet.sha256);
  });
});

describe('authoring errors fail with file:line:column and how to fix them', () => {
  for (const [behaviour, fixture, line, column, message] of errors) {
    it(behaviour, () => {
      const found = lint(fixture).diagnostics.filter((d) => d.severity === 'error');
      expect(found.length, JSON.stringify(found, null, 1)).toBeGreaterThan(0);
      expect(found[0]).toMatchObject({ file: `__fixtures__/${fixture}.mdx`, line, column });
      expect(found[0]!.message).toMatch(message);
    });
  }

  it('reports unknown front matter keys too', () => {
    const found = lint('bad-front-matter').diagnostics.map((d) => d.message);
    expect(found.some((m) => /colour/.test(m))).toBe(true);
  });
});

describe('the pipeline time zone and checks on rows changed', () => {
  const { diagnostics, extracted } = lint('zoned-write');

  it('accepts runbook.timezone and expect="affected = 1" on a write', () => {
    expect(diagnostics).toEqual([]);
  });

  it('gives every block the runbook zone, and UTC to runbooks that name none', () => {
    expect(extracted.blocks.map((b) => [b.id, b.timezone, b.expect])).toEqual([['mark', 'Asia/Bangkok', 'affected = 1']]);
    expect(lint('valid').extracted.blocks.every((b) => b.timezone === 'UTC')).toBe(true);
  });

  it('puts the zone in the manifest entry and its hash, so moving a runbook to another zone makes a new hash', () => {
    const block = extracted.blocks[0]!;
    const [, zoned] = toManifestSnippet('fixture-runbook', 'f.mdx', block);
    const [, utc] = toManifestSnippet('fixture-runbook', 'f.mdx', { ...block, timezone: 'UTC' });
    expect(zoned.timezone).toBe('Asia/Bangkok');
    expect(zoned.sha256).not.toBe(utc.sha256);
  });
});

describe('warnings do not fail the build', () => {
  it('warns when a read block writes', () => {
    const found = lint('read-block-writes').diagnostics;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'warning', line: 10 });
    expect(found[0]!.message).toMatch(/mode=read but its SQL writes \(DELETE\)/);
  });
});
