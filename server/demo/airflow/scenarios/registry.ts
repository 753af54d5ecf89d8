/**
 * Every training scenario, by family. A family adds its scenarios in its own module (./retail.ts, …);
 * this list only imports them, so families never edit each other's files.
 */
import type { Scenario } from './types';
import { canonicalScenarios } from './canonical';
import { retailScenarios } from './retail';
import { investorScenarios } from './investor';
import { ecommerceScenarios } from './ecommerce';
import { baselineScenarios } from './baseline';
import { investorFailedRunScenarios } from './investorFailedRuns';
import { investorAttributionScenarios } from './investorAttribution';
import { ecommerceSourceScenarios } from './ecommerceSource';
import { retailSourceScenarios } from './retailSource';
import { retailReturnsScenarios } from './retailReturns';
import { investorCloseScenarios } from './investorClose';
import { retailUsageScenarios } from './retailUsage';
import { retailLockScenarios } from './retailLock';

export const SCENARIOS: readonly Scenario[] = [...canonicalScenarios, ...retailScenarios, ...investorScenarios, ...ecommerceScenarios, ...baselineScenarios, ...investorFailedRunScenarios, ...investorAttributionScenarios, ...ecommerceSourceScenarios, ...retailSourceScenarios, ...retailReturnsScenarios, ...investorCloseScenarios, ...retailUsageScenarios, ...retailLockScenarios];
