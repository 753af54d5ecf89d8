/**
 * `dbt-cloud run` blocks, in the words of dbt-cloud-cli (the CLI for the dbt Cloud Administrative API v2 that
 * dbt's own docs introduce): `dbt-cloud job run --job-id 43167 --steps-override '["dbt run -m agg_sales_kpi"]'`
 * triggers a job (a write: the page shows what it would start, then follows the run), `dbt-cloud run list
 * --job-id …` reads a job's latest runs and `dbt-cloud run get --run-id …` one run's steps and results.
 * Runbooks name jobs as operators do, so `--job-name DailyRefresh` may stand for `--job-id`. Each step of
 * `--steps-override` is itself checked as a dbt command (`--select`, `--full-refresh`, `--vars` …).
 */
import type { SystemGrammar, ValueCheck } from './grammar';

const POSITIVE_INT = /^[1-9]\d{0,17}$/;
const id: ValueCheck = (v, what) => (POSITIVE_INT.test(v) ? null : `${what} "${v}" is not a dbt Cloud id (a positive whole number).`);
const jobName: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 255 ? null : `${what} must name a job (1 to 255 characters).`);
const limit: ValueCheck = (v, what) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? null : `${what} must be 1 to 100 (the API's page size).`);
const cause: ValueCheck = (v, what) => (v.length > 0 && v.length <= 255 ? null : `${what} must be 1 to 255 characters.`);
const plain: ValueCheck = (v, what) => (v.length > 0 && v.length <= 255 && !/\s/.test(v) ? null : `${what} must be one word.`);
const threads: ValueCheck = (v, what) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64 ? null : `${what} must be 1 to 64.`);

/** dbt commands a job step may run, with the options each takes (a value, or none). */
const DBT_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  run: ['select', 'exclude', 'full-refresh', 'vars', 'target', 'threads', 'fail-fast', 'defer', 'state', 'selector'],
  build: ['select', 'exclude', 'full-refresh', 'vars', 'target', 'threads', 'fail-fast', 'resource-type', 'defer', 'state', 'selector'],
  test: ['select', 'exclude', 'vars', 'target', 'threads', 'fail-fast', 'store-failures', 'defer', 'state', 'selector'],
  seed: ['select', 'exclude', 'full-refresh', 'vars', 'target', 'threads'],
  snapshot: ['select', 'exclude', 'vars', 'target', 'threads'],
  'source freshness': ['select', 'exclude', 'vars', 'target', 'threads'],
  compile: ['select', 'exclude', 'vars', 'target', 'threads'],
  'docs generate': ['vars', 'target', 'threads'],
  'run-operation': ['args', 'vars', 'target'],
};
const ALIASES: Readonly<Record<string, string>> = { s: 'select', m: 'select', models: 'select', model: 'select', x: 'fail-fast' };
const SWITCHES = new Set(['full-refresh', 'fail-fast', 'store-failures', 'defer']);

/** Splits one dbt step into words (quotes as a shell would), for checking only: nothing runs in a shell. */
function stepWords(step: string): string[] | null {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(step))) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  return words;
}

/** Checks one step of a steps override as a dbt command; a message when it is not one, else null. */
export function checkDbtStep(step: string): string | null {
  const words = stepWords(step.trim());
  if (!words || words[0] !== 'dbt') return `the step "${step}" is not a dbt command: write it as in a job's commands, e.g. "dbt run --select agg_sales_kpi".`;
  const two = `${words[1] ?? ''} ${words[2] ?? ''}`;
  const name = DBT_COMMANDS[two] ? two : words[1] ?? '';
  const options = DBT_COMMANDS[name];
  if (!options) return `"dbt ${words[1] ?? ''}" is not a dbt command a job step can run (${Object.keys(DBT_COMMANDS).join(', ')}).`;
  const rest = words.slice(name.includes(' ') ? 3 : 2);
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const flag = /^--?([a-z-]+)$/.exec(w);
    if (!flag) return `"${w}" in "${step}" is not an option of dbt ${name}; quote a selector with spaces.`;
    const option = ALIASES[flag[1]!] ?? flag[1]!;
    if (!options.includes(option)) return `"${w}" is not an option of dbt ${name} (options: ${options.map((o) => `--${o}`).join(', ')}).`;
    if (SWITCHES.has(option)) continue;
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) return `--${option} in "${step}" needs a value.`;
    if (option === 'vars' && !/^\{[\s\S]*\}$/.test(value.trim())) return `--vars in "${step}" must be a YAML or JSON mapping, e.g. --vars '{"business_date": "2026-12-01"}'.`;
    if (option === 'select' || option === 'exclude') {
      // A selector is several words until the next option.
      while (rest[i + 1] !== undefined && !rest[i + 1]!.startsWith('-')) i++;
      continue;
    }
    i++;
  }
  return null;
}

const steps: ValueCheck = (v, what) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return `${what} is a JSON list of dbt commands, as in dbt-cloud-cli: --steps-override '["dbt run --select agg_sales_kpi"]'.`;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((s) => typeof s !== 'string')) return `${what} must be a non-empty JSON list of dbt commands (strings).`;
  for (const step of parsed as string[]) {
    const problem = checkDbtStep(step);
    if (problem) return `${what}: ${problem}`;
  }
  return null;
};

const oneJob = (given: ReadonlySet<string>) =>
  given.has('jobId') === given.has('jobName') ? 'name the job with --job-id 43167 or --job-name DailyRefresh (one of them).' : null;

export const DBT_CLOUD_GRAMMAR: SystemGrammar = {
  lang: 'dbt-cloud',
  label: 'dbt Cloud',
  program: 'dbt-cloud',
  defaultTarget: 'dbt',
  commands: [
    {
      words: ['job', 'run'],
      write: true,
      summary: 'trigger a job run (optionally with a steps override), follow it live and show its run results',
      positionals: [],
      flags: [
        { names: ['--job-id'], key: 'jobId', takes: 'value', check: id },
        { names: ['--job-name'], key: 'jobName', takes: 'value', check: jobName },
        { names: ['--cause'], key: 'cause', takes: 'value', check: cause },
        { names: ['--steps-override'], key: 'steps', takes: 'value', check: steps },
        { names: ['--git-branch'], key: 'gitBranch', takes: 'value', check: plain },
        { names: ['--schema-override'], key: 'schema', takes: 'value', check: plain },
        { names: ['--target-name-override'], key: 'target', takes: 'value', check: plain },
        { names: ['--threads-override'], key: 'threads', takes: 'value', check: threads },
        // dbt-cloud-cli waits only with --wait; a runbook block always follows the run, so it is accepted as written.
        { names: ['--wait'], key: 'wait', takes: 'switch' },
      ],
      validate: oneJob,
    },
    {
      words: ['run', 'list'],
      write: false,
      summary: "a job's latest runs, newest first: status, started, finished, duration",
      positionals: [],
      flags: [
        { names: ['--job-id'], key: 'jobId', takes: 'value', check: id },
        { names: ['--job-name'], key: 'jobName', takes: 'value', check: jobName },
        { names: ['--limit'], key: 'limit', takes: 'value', check: limit },
      ],
      validate: oneJob,
    },
    {
      words: ['run', 'get'],
      write: false,
      summary: "one run's steps with their logs, and its run results (models and tests, pass or fail)",
      positionals: [],
      flags: [{ names: ['--run-id'], key: 'runId', takes: 'value', required: true, check: id }],
    },
  ],
};
