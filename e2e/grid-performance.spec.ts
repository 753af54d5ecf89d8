/**
 * Grid performance: a 100,000-row result scrolled from top to bottom, with the browser's long tasks
 * (main-thread work over 50 ms) recorded by a PerformanceObserver.
 *
 * The figures are reported (console and e2e/artifacts/grid-performance.json), not asserted: on a machine
 * whose two cores are shared, a long task says as much about the neighbours as about the grid. What is
 * asserted is structural and cannot flake: at every point of the pass the grid holds a bounded number of
 * row elements (it is virtualised), and the pass reaches the last row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures';
import { RunbookPage } from './pages/RunbookPage';

const ROWS = 100_000;
/** Scroll positions visited, evenly spread over the whole result; each one renders a fresh set of rows. */
const SCROLL_STEPS = 400;
/** More than any viewport shows plus overscan, far fewer than the result. */
const MAX_ROW_ELEMENTS = 200;

interface ScrollFigures {
  readonly steps: number;
  readonly wallMs: number;
  readonly longTasks: number;
  readonly longTaskMs: number;
  readonly longestTaskMs: number;
  readonly maxRowElements: number;
}

test.describe('Result grid performance', () => {
  test('scrolls 100,000 rows with a bounded number of row elements and reports long tasks', async ({ page, consoleErrors }) => {
    const runbook = new RunbookPage(page);
    await runbook.open('/getting-started/first-run');
    const block = runbook.block('getting-started-first-run/large-result');
    await block.run();
    await expect(block.root).toHaveAttribute('data-status', 'succeeded');
    await expect(block.status).toContainText(`${ROWS.toLocaleString('en-US')} rows`);

    // The grid's scroll container is the table's parent.
    const scroller = block.grid.locator('xpath=..');
    const figures = await scroller.evaluate(
      async (element, { steps }): Promise<ScrollFigures> => {
        const tasks: PerformanceEntry[] = [];
        const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
        observer.observe({ type: 'longtask', buffered: false });
        const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        let maxRowElements = 0;
        const started = performance.now();
        const end = element.scrollHeight - element.clientHeight;
        for (let i = 1; i <= steps; i += 1) {
          element.scrollTop = Math.round((end * i) / steps);
          // Two frames: the scroll event's render, then the paint of what it rendered.
          await frame();
          await frame();
          maxRowElements = Math.max(maxRowElements, element.querySelectorAll('tbody tr[data-index]').length);
        }
        const wallMs = performance.now() - started;
        observer.takeRecords().forEach((entry) => tasks.push(entry));
        observer.disconnect();
        return {
          steps,
          wallMs: Math.round(wallMs),
          longTasks: tasks.length,
          longTaskMs: Math.round(tasks.reduce((sum, t) => sum + t.duration, 0)),
          longestTaskMs: Math.round(tasks.reduce((max, t) => Math.max(max, t.duration), 0)),
          maxRowElements,
        };
      },
      { steps: SCROLL_STEPS },
    );

    const report = { rows: ROWS, ...figures, at: new Date().toISOString() };
    console.log(`grid-performance: ${JSON.stringify(report)}`);
    fs.mkdirSync(path.join('e2e', 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join('e2e', 'artifacts', 'grid-performance.json'), `${JSON.stringify(report, null, 2)}\n`);

    expect(figures.maxRowElements, 'row elements in the DOM at once (virtualised)').toBeGreaterThan(0);
    expect(figures.maxRowElements, 'row elements in the DOM at once (virtualised)').toBeLessThanOrEqual(MAX_ROW_ELEMENTS);
    await expect(block.grid).toContainText(`order ${ROWS - 1}`);
    expect(consoleErrors).toEqual([]);
  });
});
