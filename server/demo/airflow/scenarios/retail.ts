/** The Retail family's training scenarios (owned by that family's runbook authors). */
import type { Scenario } from './types';

export const retailScenarios: readonly Scenario[] = [];
