/**
 * A newcomer completes a drill in the Training page: starts it (the fault goes in), reads the symptom,
 * takes a hint, checks too early ("not yet"), follows the runbook link and recovers in the runbook page,
 * then checks again ("solved", with time, steps and hints) and resets. Table-driven: each family adds one
 * drill with the clicks its recovery takes.
 */
import { test, expect, type Page } from './fixtures';
import { AirflowBlockObject } from './pages/AirflowBlock';
import { TrainingDrillsPage } from './pages/TrainingDrills';

// Drills inject faults into the demo: a server of their own, so no other spec sees them.
test.use({ server: 'drills' });

interface DrillCase {
  readonly drill: string;
  /** Text the symptom must show once the drill is started. */
  readonly symptom: RegExp;
  /** The recovery as a newcomer does it, starting on the drill's runbook page (opened from the card). */
  recover(page: Page): Promise<void>;
}

/** Runs a clear block the way the page asks: the dry run first, then "Clear these tasks", followed to success. */
async function clearInPage(page: Page, key: string): Promise<void> {
  const block = new AirflowBlockObject(page, key);
  await block.run();
  await expect(block.root).toHaveAttribute('data-clear', 'confirm');
  await block.confirmClearButton.click();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
  await expect(block.root).toHaveAttribute('data-airflow-state', 'success');
}

/** Runs a trigger block and follows the DAG run it starts to success. */
async function triggerInPage(page: Page, key: string): Promise<void> {
  const block = new AirflowBlockObject(page, key);
  await block.runAndConfirmTrigger();
  await expect(block.root).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
  await expect(block.root).toHaveAttribute('data-airflow-state', 'success');
}

const CASES: readonly DrillCase[] = [
  {
    drill: 'canonical/failed-360-refresh',
    symptom: /refresh_campaign_360/,
    async recover(page) {
      await clearInPage(page, 'canonical-failure-handling/clear-360-tasks');
    },
  },
  {
    drill: 'retail/dbt-model-failure',
    symptom: /dbt_run_facts/,
    async recover(page) {
      await clearInPage(page, 'retail-failure-handling/dbt-clear-task');
    },
  },
  {
    drill: 'investor/marketing-api-failure',
    symptom: /pull_marketing_api/,
    async recover(page) {
      await clearInPage(page, 'investor-growth-aggregate/api-pull-retry');
    },
  },
  {
    drill: 'ecommerce/gold-missing',
    symptom: /run_dlt_pipeline/,
    async recover(page) {
      await triggerInPage(page, 'ecomm-data-pipeline/trigger-full-dag');
    },
  },
];

for (const c of CASES) {
  test(`a newcomer solves ${c.drill} from the Training page`, async ({ page, consoleErrors, shot }) => {
    test.setTimeout(240_000);
    const training = new TrainingDrillsPage(page);
    await training.open();
    const card = training.drill(c.drill);
    await expect(card.root).toHaveAttribute('data-stage', 'not-started');
    await card.startButton.click();
    await expect(card.symptom).toContainText(c.symptom);
    // The night replays with the fault; the drill is ready once it has failed.
    await expect(card.root).toHaveAttribute('data-stage', 'in-progress', { timeout: 120_000 });
    await card.hintButton.click();
    await expect(card.root.getByRole('listitem')).toHaveCount(1);

    await card.checkButton.click();
    await expect(card.verdict).toHaveAttribute('data-verdict', 'not-yet');
    await expect(card.verdict).toContainText(/Not yet: \d+ of \d+ checks pass/);
    await shot(`training-drill-started-${c.drill.replace('/', '-')}`);

    await card.runbookLink.click();
    await page.locator('[data-snippet]').first().waitFor();
    await c.recover(page);

    await training.open();
    await expect(card.root).toHaveAttribute('data-stage', 'in-progress');
    await card.checkButton.click();
    await expect(card.verdict).toHaveAttribute('data-verdict', 'solved');
    await expect(card.root).toHaveAttribute('data-stage', 'solved');
    await expect(card.verdict).toContainText(/Solved in .+ · [1-9]\d* steps? run · 1 hint taken\./);
    await shot(`training-drill-solved-${c.drill.replace('/', '-')}`);

    await card.resetButton.click();
    await expect(card.root).toHaveAttribute('data-stage', 'not-started', { timeout: 120_000 });
    expect(consoleErrors).toEqual([]);
  });
}
