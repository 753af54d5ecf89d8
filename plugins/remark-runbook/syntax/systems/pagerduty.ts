/**
 * `pagerduty run` blocks: the three actions of PagerDuty's Events API v2, with its own field names as options —
 * `pagerduty trigger --summary "…" --severity critical --source ecomm-pipeline --dedup-key ecomm-{{execution_date}}`,
 * `pagerduty acknowledge --dedup-key …`, `pagerduty resolve --dedup-key …`. All are writes: the page shows the
 * event before it is sent. The routing key is the connection's, never the block's.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const summary: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 1024 ? null : `${what} must be 1 to 1024 characters (PagerDuty's limit).`);
const severity: ValueCheck = (v, what) => (SEVERITIES.includes(v) ? null : `${what} "${v}" is not a PagerDuty severity: ${SEVERITIES.join(', ')}.`);
const text: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 255 ? null : `${what} must be 1 to 255 characters.`);

const DEDUP = { names: ['--dedup-key'], key: 'dedupKey', takes: 'value', check: text } as const;

export const PAGERDUTY_GRAMMAR: SystemGrammar = {
  lang: 'pagerduty',
  label: 'PagerDuty',
  program: 'pagerduty',
  defaultTarget: 'pagerduty',
  commands: [
    {
      words: ['trigger'],
      write: true,
      summary: 'open (or add to) an alert on the service of the connection\'s routing key',
      positionals: [],
      flags: [
        { names: ['--summary'], key: 'summary', takes: 'value', required: true, check: summary },
        { names: ['--severity'], key: 'severity', takes: 'value', required: true, check: severity },
        { names: ['--source'], key: 'source', takes: 'value', required: true, check: text },
        DEDUP,
        { names: ['--component'], key: 'component', takes: 'value', check: text },
        { names: ['--group'], key: 'group', takes: 'value', check: text },
        { names: ['--class'], key: 'class', takes: 'value', check: text },
      ],
    },
    { words: ['acknowledge'], write: true, summary: 'acknowledge the alert with this dedup key', positionals: [], flags: [{ ...DEDUP, required: true }] },
    { words: ['resolve'], write: true, summary: 'resolve the alert with this dedup key', positionals: [], flags: [{ ...DEDUP, required: true }] },
  ],
};
