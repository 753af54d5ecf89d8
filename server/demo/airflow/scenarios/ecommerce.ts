/** The Ecommerce family's training scenarios (owned by that family's runbook authors). */
import type { Scenario } from './types';

export const ecommerceScenarios: readonly Scenario[] = [];
