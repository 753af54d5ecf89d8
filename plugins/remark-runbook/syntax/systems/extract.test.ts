/** Command blocks of the systems in a runbook: found by their fence language, linted by their grammar, mode derived. */
import { describe, expect, it } from 'vitest';
import { parseRunbookSource } from '../../parseFile';
import { extractRunbook } from '../../extract';

function lint(body: string) {
  const source = `---
title: Fixture
runbook:
  id: fixture-runbook
  system: ecommerce
  approver: lead
---

::::step[Check the extract]{#extract role="service-team"}
${body}
::::
`;
  const parsed = parseRunbookSource(source, 'f.mdx');
  const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file: 'f.mdx', source });
  return { diagnostics: [...parsed.diagnostics, ...extracted.diagnostics].map((d) => `${d.line}:${d.column} ${d.message}`), blocks: extracted.blocks };
}

describe('s3 run blocks in a runbook', () => {
  it('are runnable blocks with the s3 connection as default target, read mode and their parameters', () => {
    const { diagnostics, blocks } = lint('```s3 run id=extract-files params="execution_date:date=yesterday" title="Extract files"\naws s3 ls s3://ecomm-extracts/daily/{{execution_date}}/ --summarize\n```');
    expect(diagnostics).toEqual([]);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ id: 'extract-files', lang: 's3', target: 's3', mode: 'read', params: [{ name: 'execution_date', type: 'date', default: 'yesterday' }] });
  });

  it('report grammar mistakes at the file line and column', () => {
    const { diagnostics, blocks } = lint('```s3 run id=x\naws s3 ls \\\n  s3://ecomm-extracts/ --delete\n```');
    expect(blocks).toEqual([]);
    expect(diagnostics).toEqual([expect.stringMatching(/^12:24 "--delete" is not an option of aws s3 ls/)]);
  });

  it('take check conditions on a read command: its grid is what they judge', () => {
    const { diagnostics, blocks } = lint('```s3 run id=x expect="rows > 0 and count(size = 0) = 0" warn="rows < 3"\naws s3 ls s3://ecomm-extracts/\n```');
    expect(diagnostics).toEqual([]);
    expect(blocks[0]).toMatchObject({ mode: 'read', expect: 'rows > 0 and count(size = 0) = 0', warn: 'rows < 3' });
  });

  it('refuse conditions on a write command, and sample= on any command, at the attribute, with the fix', () => {
    const write = lint('```dbt-cloud run id=x expect="rows > 0"\ndbt-cloud job run --job-name DailyRefresh\n```');
    expect(write.blocks).toEqual([]);
    expect(write.diagnostics).toEqual([expect.stringMatching(/^10:23 expect= is a check on what a read returns; this dbt Cloud command changes something \(mode=write\).*Put the check on a read command \(dbt-cloud run list, dbt-cloud run get\)/)]);
    const sample = lint('```s3 run id=x expect="rows > 0" sample=5\naws s3 ls s3://ecomm-extracts/\n```');
    expect(sample.diagnostics).toEqual([expect.stringMatching(/^10:34 sample= limits the failing rows a SQL check shows; an S3 command shows its whole result/)]);
    const affected = lint('```s3 run id=x expect="affected > 0"\naws s3 ls s3://ecomm-extracts/\n```');
    expect(affected.diagnostics).toEqual([expect.stringMatching(/checks rows changed, but this block is mode=read: a read changes nothing\. Check rows or value instead/)]);
  });

  it('treat Airflow commands alike: a read takes a condition, a trigger refuses it', () => {
    const read = lint('```airflow run id=x expect="count(state = \'failed\') = 0"\ndags list-runs data_transformation_dbt --limit 1\n```');
    expect(read.diagnostics).toEqual([]);
    expect(read.blocks[0]).toMatchObject({ lang: 'airflow', mode: 'read', expect: "count(state = 'failed') = 0" });
    const write = lint('```airflow run id=x expect="rows > 0"\ndags trigger data_transformation_dbt\n```');
    expect(write.diagnostics).toEqual([expect.stringMatching(/^10:21 expect= is a check on what a read returns; this Airflow command changes something \(mode=write\)/)]);
  });

  it('point at a mistake inside a command block\'s condition', () => {
    const { diagnostics } = lint('```s3 run id=x expect="count(size > \'0\') = 0"\naws s3 ls s3://ecomm-extracts/\n```');
    expect(diagnostics).toEqual([expect.stringMatching(/^10:35 expect="count\(size > '0'\) = 0" is not a check: Text compares with = or != only/)]);
  });

  it('refuse count(…) on a SQL block: SQL counts in its query', () => {
    const { diagnostics } = lint('```sql run id=x expect="count(status = \'error\') = 0"\nselect status from t\n```');
    expect(diagnostics).toEqual([expect.stringMatching(/^10:25 expect="count\(status = 'error'\) = 0": count\(…\) counts the rows of a system or Airflow block's result; a SQL check counts in its query/)]);
  });

  it('name the runnable languages when another fence says run', () => {
    const { diagnostics } = lint('```bash run\necho hi\n```');
    expect(diagnostics).toEqual([expect.stringMatching(/only sql, airflow, s3, dbt-cloud, pagerduty, tableau, slack, databricks blocks run/)]);
  });
});
