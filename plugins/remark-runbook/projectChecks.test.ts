import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectRunbooks } from './collect';
import { projectChecks } from './projectChecks';

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-lint-'));
afterAll(() => fs.rmSync(site, { recursive: true, force: true }));
fs.mkdirSync(path.join(site, 'docs/ops'), { recursive: true });
fs.writeFileSync(path.join(site, 'docs/ops/other.mdx'), '# Other\n');
fs.writeFileSync(
  path.join(site, 'docs/ops/runbook.mdx'),
  `---
title: T
runbook: {id: t, system: ops, approver: the-boss}
---

See [the other page](./other.mdx) and [a missing one](./missing.mdx#step).

::::step[Fix]{#fix role="escalation" approver="nobody-in-particular"}
\`\`\`sql run id=q target=lakehouse
select 1
\`\`\`
::::
`,
);

describe('project-wide lint checks', () => {
  const diagnostics = projectChecks(site, collectRunbooks(site), { approvers: new Set(['implementation-manager']), targets: new Set(['warehouse', 'airflow']) });
  const messages = diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`);

  it('reports an approver role that does not exist, in the front matter and on a step', () => {
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/ops\/runbook\.mdx:1:1 runbook\.approver "the-boss" is not an approver role/));
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/ops\/runbook\.mdx:8:1 Step "fix" names approver "nobody-in-particular"/));
  });
  it('reports a target no environment defines', () => {
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/ops\/runbook\.mdx:9:1 Snippet "q" targets "lakehouse"/));
  });
  it('reports a broken relative link and accepts a good one', () => {
    expect(messages).toContainEqual(expect.stringMatching(/^docs\/ops\/runbook\.mdx:6:39 Broken link to \.\/missing\.mdx#step/));
    expect(messages.filter((m) => m.includes('other.mdx'))).toEqual([]);
  });
});

describe('Airflow commands the configured API cannot carry out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-lint-af-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'docs/ops'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'docs/ops/backfill.mdx'),
    `---
title: T
runbook: {id: b, system: ops, approver: implementation-manager}
---

::::step[Backfill]{#fix role="escalation"}
\`\`\`airflow run id=fill params="from:date=yesterday to:date=yesterday"
dags backfill cdm_publish -s {{from}} -e {{to}}
\`\`\`

\`\`\`airflow run id=fill-v3 envs=dev params="from:date=yesterday to:date=yesterday"
dags backfill cdm_publish -s {{from}} -e {{to}}
\`\`\`
::::
`,
  );
  const apis = [
    { env: 'prod', connection: 'airflow', api: 'v1' as const },
    { env: 'dev', connection: 'airflow', api: 'v2' as const },
  ];

  it('warns where a backfill targets an Airflow 2 connection, naming the environments', () => {
    const found = projectChecks(dir, collectRunbooks(dir), { approvers: null, targets: null, airflowApis: apis });
    expect(found.map((d) => [d.severity, d.line, d.message.slice(0, 90)])).toEqual([['warning', 7, 'Snippet "fill" runs dags backfill, but "airflow" is Airflow 2 (api: v1) in prod: its REST ']]);
  });

  it('says nothing when the configuration does not tell', () => {
    expect(projectChecks(dir, collectRunbooks(dir), { approvers: null, targets: null })).toEqual([]);
  });
});
