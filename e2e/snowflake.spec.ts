import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

// The real snowflake-sdk talks to a contract fake this spec's worker starts beside its server.
test.use({ server: 'snowflake', withSnowflake: true });

test('runs a runbook check on Snowflake from the page, with the query tag naming runbook, snippet and user', async ({ page, consoleErrors, shot, snowflakeFake }) => {
  if (!snowflakeFake) throw new Error('this spec needs withSnowflake: true (the fake is started per worker)');
  const runbook = new RunbookPage(page);
  await runbook.open('/canonical/setup-dags');
  await page.getByLabel('Environment', { exact: true }).selectOption('snowflake');
  const block = runbook.block('canonical-setup-dags/date-control-set:snowflake');
  await block.root.scrollIntoViewIfNeeded();
  await expect(block.root).toContainText('Snowflake');
  await block.run();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded');
  await expect(block.check).toHaveAttribute('data-check', 'passed');
  await shot('snowflake-check');

  const log = (await (await fetch(`${snowflakeFake.url}/__fake/requests`)).json()) as { data: { path: string; body?: { parameters?: Record<string, unknown> } }[] };
  const tags = log.data.map((r) => r.body?.parameters?.QUERY_TAG).filter((t): t is string => typeof t === 'string').map((t) => JSON.parse(t) as Record<string, string>);
  expect(tags).toContainEqual(expect.objectContaining({ app: 'opsbook', runbook: 'canonical-setup-dags', snippet: 'canonical-setup-dags/date-control-set:snowflake', user: 'dana.operator', env: 'snowflake' }));
  expect(consoleErrors).toEqual([]);
});
