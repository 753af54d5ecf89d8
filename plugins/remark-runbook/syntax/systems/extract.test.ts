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

  it('take no expect or check conditions, and say why', () => {
    const { diagnostics } = lint('```s3 run id=x expect="rows > 0"\naws s3 ls s3://ecomm-extracts/\n```');
    expect(diagnostics).toEqual([expect.stringMatching(/expect applies to SQL blocks only; S3 commands report their own success/)]);
    const warn = lint('```s3 run id=x warn="rows = 0"\naws s3 ls s3://ecomm-extracts/\n```');
    expect(warn.diagnostics).toEqual([expect.stringMatching(/this block is an S3 command/)]);
  });

  it('name the runnable languages when another fence says run', () => {
    const { diagnostics } = lint('```bash run\necho hi\n```');
    expect(diagnostics).toEqual([expect.stringMatching(/only sql, airflow, s3, dbt-cloud, pagerduty, tableau, slack, databricks blocks run/)]);
  });
});
