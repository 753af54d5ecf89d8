/** Page object for a runbook page: find a runnable block by its snippet key and drive it. */
import type { Locator, Page } from '@playwright/test';

export class RunnableBlockObject {
  readonly root: Locator;
  constructor(page: Page, key: string) {
    this.root = page.locator(`[data-snippet="${key}"]`);
  }
  get runButton(): Locator {
    return this.root.getByRole('button', { name: 'Run', exact: true });
  }
  get cancelButton(): Locator {
    return this.root.getByRole('button', { name: 'Cancel', exact: true });
  }
  get status(): Locator {
    return this.root.getByRole('status');
  }
  get grid(): Locator {
    return this.root.getByRole('table', { name: 'Results' });
  }
  get check(): Locator {
    return this.root.locator('[data-check]');
  }
  get alert(): Locator {
    return this.root.getByRole('alert');
  }
  async run(): Promise<void> {
    await this.runButton.click();
  }
}

export class RunbookPage {
  constructor(readonly page: Page) {}
  async open(path: string): Promise<void> {
    await this.page.goto(path);
    // Wait until React has hydrated the blocks (the Run buttons are enabled once the environment is known).
    await this.page.locator('[data-snippet]').first().waitFor();
  }
  block(key: string): RunnableBlockObject {
    return new RunnableBlockObject(this.page, key);
  }
}
