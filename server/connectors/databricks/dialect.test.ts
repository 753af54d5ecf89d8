/**
 * A runbook may give a Databricks variant of a snippet (dialect=databricks) next to the others, and
 * front matter may name databricks among its engines: the linter accepts both.
 */
import { describe, expect, it } from 'vitest';
import { extractRunbook } from '../../../plugins/remark-runbook/extract';
import { parseRunbookSource } from '../../../plugins/remark-runbook/parseFile';

const source = (dialect: string) => `---
title: Fixture
runbook:
  id: fixture-runbook
  system: canonical
  approver: implementation-manager
---

:::step[One]{#one role="service-team"}
\`\`\`sql run id=q dialect=${dialect} params="since:date=today"
select count(*) from ops.orders where order_date >= :since
\`\`\`
:::
`;

function lint(dialect: string) {
  const parsed = parseRunbookSource(source(dialect), 'x.mdx');
  const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file: 'x.mdx', source: source(dialect) });
  return { messages: [...parsed.diagnostics, ...extracted.diagnostics].map((d) => d.message), blocks: extracted.blocks };
}

describe('the databricks dialect', () => {
  it('is an engine the linter knows', () => {
    const { messages, blocks } = lint('databricks');
    expect(messages).toEqual([]);
    expect(blocks.map((b) => b.dialect)).toEqual(['databricks']);
    expect(lint('databricks-sql').messages.join('\n')).toMatch(/dialect="databricks-sql" is not an engine; use one of duckdb, postgres, snowflake, oracle, sqlserver, databricks\./);
  });
});
