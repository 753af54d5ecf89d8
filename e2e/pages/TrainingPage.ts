/** Page object for /training: one card per scenario, with its switches. */
import type { Locator, Page } from '@playwright/test';

export class ScenarioCardObject {
  readonly root: Locator;
  constructor(page: Page, id: string) {
    this.root = page.locator(`article[data-scenario="${id}"]`);
  }
  get activateButton(): Locator {
    return this.root.getByRole('button', { name: 'Activate', exact: true });
  }
  get deactivateButton(): Locator {
    return this.root.getByRole('button', { name: 'Deactivate', exact: true });
  }
  get runbookLink(): Locator {
    return this.root.getByRole('link');
  }
}

export class TrainingPage {
  constructor(readonly page: Page) {}
  async open(): Promise<void> {
    await this.page.goto('/training');
    await this.page.locator('article[data-scenario]').first().waitFor();
  }
  scenario(id: string): ScenarioCardObject {
    return new ScenarioCardObject(this.page, id);
  }
}
