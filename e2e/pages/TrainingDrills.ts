/** Page object for the drills on /training: one card per drill, with its stage, symptom, hints and result. */
import type { Locator, Page } from '@playwright/test';

export class DrillCardObject {
  readonly root: Locator;
  constructor(page: Page, name: string) {
    this.root = page.locator(`article[data-drill="${name}"]`);
  }
  get startButton(): Locator {
    return this.root.getByRole('button', { name: 'Start drill', exact: true });
  }
  get checkButton(): Locator {
    return this.root.getByRole('button', { name: 'Check my fix', exact: true });
  }
  get resetButton(): Locator {
    return this.root.getByRole('button', { name: 'Reset', exact: true });
  }
  get hintButton(): Locator {
    return this.root.getByRole('button', { name: /^Show a hint/ });
  }
  get symptom(): Locator {
    return this.root.locator('[data-symptom]');
  }
  get verdict(): Locator {
    return this.root.locator('[data-verdict]');
  }
  get runbookLink(): Locator {
    return this.root.getByRole('link');
  }
}

export class TrainingDrillsPage {
  constructor(readonly page: Page) {}
  async open(): Promise<void> {
    await this.page.goto('/training');
    await this.page.locator('article[data-drill]').first().waitFor();
  }
  drill(name: string): DrillCardObject {
    return new DrillCardObject(this.page, name);
  }
}
