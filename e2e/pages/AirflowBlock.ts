/** Page object for an `airflow run` block: the runnable block plus its task grid, terminal and clear flow. */
import type { Locator, Page } from '@playwright/test';
import { RunnableBlockObject } from './RunbookPage';

export class AirflowBlockObject extends RunnableBlockObject {
  constructor(
    readonly page: Page,
    readonly key: string,
  ) {
    super(page, key);
  }
  get stopButton(): Locator {
    return this.root.getByRole('button', { name: 'Stop following', exact: true });
  }
  get taskGrid(): Locator {
    return this.root.getByRole('table', { name: 'Task instances' });
  }
  get taskRows(): Locator {
    return this.taskGrid.locator('[data-task-id]');
  }
  task(taskId: string): Locator {
    return this.taskGrid.locator(`[data-task-id="${taskId}"]`);
  }
  /** What xterm.js shows now (its DOM renderer draws only the visible rows). */
  get terminal(): Locator {
    return this.root.locator('.xterm-rows');
  }
  get clearPreview(): Locator {
    return this.root.getByRole('region', { name: 'These task instances will be cleared' });
  }
  get triggerPreview(): Locator {
    return this.root.getByRole('region', { name: 'This DAG run will be started' });
  }
  get confirmTriggerButton(): Locator {
    return this.root.getByRole('button', { name: 'Trigger this run', exact: true });
  }
  /** A trigger's Run shows the run it would start; this starts it. */
  async runAndConfirmTrigger(): Promise<void> {
    await this.run();
    await this.confirmTriggerButton.click();
  }
  get confirmClearButton(): Locator {
    return this.root.getByRole('button', { name: 'Clear these tasks', exact: true });
  }
  param(name: string): Locator {
    return this.root.getByLabel(name);
  }

  /**
   * Records, in the page, every state each task row shows and every terminal row xterm.js draws (with the
   * block's status at that moment), so a test can check what passed by — a state held for a second, a
   * line since scrolled out of the terminal's few visible rows — without timing anything.
   */
  async record(): Promise<void> {
    await this.root.evaluate((root) => {
      const seen = { states: {} as Record<string, string[]>, rows: [] as { text: string; status: string }[] };
      (root as HTMLElement & { __seen?: typeof seen }).__seen = seen;
      const drawn = new Set<string>();
      const take = (): void => {
        for (const row of Array.from(root.querySelectorAll<HTMLElement>('[data-task-id]'))) {
          const id = row.dataset.taskId ?? '';
          const list = (seen.states[id] ??= []);
          const state = row.dataset.state ?? '';
          if (list[list.length - 1] !== state) list.push(state);
        }
        const status = (root as HTMLElement).dataset.status ?? '';
        for (const row of Array.from(root.querySelectorAll<HTMLElement>('.xterm-rows > div'))) {
          const text = (row.textContent ?? '').replace(/\u00a0/g, ' ');
          if (text.trim() && !drawn.has(text)) {
            drawn.add(text);
            seen.rows.push({ text, status });
          }
        }
      };
      new MutationObserver(take).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }
  /**
   * The terminal's whole text, read through `.xterm-rows` (xterm.js draws only the visible rows): page
   * its scrollback from the top with Shift+PageUp / Shift+PageDown, as a keyboard user would, stitching
   * the pages where they overlap. Wrapped rows are joined back without separators.
   */
  async terminalText(): Promise<string> {
    const rows = () => this.root.locator('.xterm-rows > div').evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
    const painted = () => this.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    const press = async (key: string): Promise<string[]> => {
      await this.page.keyboard.press(key);
      await painted();
      return rows();
    };
    await this.root.locator('.xterm-helper-textarea').focus();
    let window = await rows();
    for (let i = 0; i < 10_000; i++) {
      const up = await press('Shift+PageUp');
      if (up.join('\n') === window.join('\n')) break; // the top
      window = up;
    }
    const text: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      let overlap = Math.min(text.length, window.length);
      while (overlap > 0 && text.slice(text.length - overlap).join('\n') !== window.slice(0, overlap).join('\n')) overlap--;
      text.push(...window.slice(overlap));
      const down = await press('Shift+PageDown');
      if (down.join('\n') === window.join('\n')) break; // the bottom
      window = down;
    }
    return text.join('');
  }
  /** The states a task showed, in order, since `record()`. */
  async seenStates(taskId: string): Promise<string[]> {
    return this.root.evaluate((root, id) => (root as HTMLElement & { __seen?: { states: Record<string, string[]> } }).__seen?.states[id] ?? [], taskId);
  }
  /**
   * The terminal rows drawn since `record()` (optionally only while the block had a status), joined
   * without separators: xterm.js wraps long lines into several rows, and this joins them back.
   */
  async seenLog(whileStatus?: string): Promise<string> {
    return this.root.evaluate(
      (root, status) =>
        ((root as HTMLElement & { __seen?: { rows: { text: string; status: string }[] } }).__seen?.rows ?? [])
          .filter((r) => !status || r.status === status)
          .map((r) => r.text)
          .join(''),
      whileStatus,
    );
  }
}
