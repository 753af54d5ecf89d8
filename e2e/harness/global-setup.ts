/** Playwright's global setup: the demo warehouse every worker's server and Snowflake fake start from. */
import { ensureTemplate } from './warehouse-template';

export default function globalSetup(): void {
  ensureTemplate();
}
