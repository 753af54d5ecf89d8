/**
 * The runbook model shared by the remark plugin, the manifest writer, the linter,
 * the server (which runs manifest entries) and the page (which renders them).
 * Keep this file free of runtime imports: the browser bundle imports its types.
 */

export type Role = 'service-team' | 'escalation';
export type Mode = 'read' | 'write';
/** Command-style block kinds (plugins/remark-runbook/syntax/systems): one per system, each in its vendor's CLI words. */
export type SystemLang = 's3' | 'dbt-cloud' | 'pagerduty' | 'tableau' | 'slack' | 'databricks';
export type Lang = 'sql' | 'airflow' | SystemLang;
export type Dialect = 'duckdb' | 'postgres' | 'snowflake' | 'oracle' | 'sqlserver' | 'databricks';

export type ParamType =
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'int' }
  | { kind: 'number' }
  | { kind: 'string' }
  | { kind: 'identifier' }
  | { kind: 'enum'; values: readonly string[] };

/** One declared parameter, as written in `params="name:type=default"`. */
export interface ParamSpec {
  readonly name: string;
  /** The type as written, e.g. `date` or `enum(a|b)`; parse with `parseParamType`. */
  readonly type: string;
  /** `today`, `yesterday`, a literal, or null when the parameter is required. */
  readonly default: string | null;
}

/** One entry of the snippet manifest (DESIGN.md §4). */
export interface ManifestSnippet {
  readonly runbook: string;
  readonly file: string;
  readonly line: number;
  readonly step: string | null;
  readonly role: Role;
  readonly approver: string | null;
  readonly lang: Lang;
  readonly target: string;
  readonly envs: readonly string[];
  readonly mode: Mode;
  readonly params: readonly ParamSpec[];
  readonly expect: string | null;
  /** Check conditions (issue 11); absent in manifests built before them, and when not given. */
  readonly warn?: string | null;
  readonly error?: string | null;
  /** Failing rows the check shows at most (`sample=N`). */
  readonly sample?: number | null;
  /** The step's title, for lists of checks outside the page (the Health page). */
  readonly stepTitle?: string | null;
  readonly dialect: Dialect | null;
  /** IANA zone the runbook's `today`/`yesterday` are resolved in (front matter `runbook.timezone`); absent means UTC. */
  readonly timezone?: string;
  readonly title: string | null;
  readonly text: string;
  readonly sha256: string;
}

/** What lists of checks across runbooks (the Health page, alerts) show about a runbook. */
export interface ManifestRunbook {
  readonly title: string;
  readonly system: string;
  /** The primary owner from the front matter, null when none is named. */
  readonly owner: string | null;
  readonly file: string;
  /** The page's path on the site, e.g. /investor/profit-aggregate. */
  readonly docPath: string;
  readonly timezone: string;
  /** The escalation ladder id its front matter names (docs/_data/escalation.yaml); absent in older manifests. */
  readonly escalation?: string | null;
}

export interface Manifest {
  readonly version: 1;
  readonly commit: string | null;
  readonly dirty: boolean;
  readonly builtAt: string;
  readonly snippets: Readonly<Record<string, ManifestSnippet>>;
  /** By runbook id; absent in manifests built before the Health page. */
  readonly runbooks?: Readonly<Record<string, ManifestRunbook>>;
}

/** One variant of a runnable block as the page sees it: what to show, and the key + hash to run. */
export interface BlockVariant {
  readonly dialect: Dialect | null;
  readonly key: string;
  readonly sha256: string;
  readonly code: string;
}

/**
 * Props of the `<RunnableBlock spec="…json…"/>` element the plugin emits. Variants share one id
 * (one per dialect); the page shows the one matching the chosen environment's engine.
 */
export interface RunnableBlockSpec {
  readonly runbook: string;
  readonly id: string;
  readonly step: string | null;
  readonly lang: Lang;
  readonly title: string | null;
  readonly role: Role;
  readonly approver: string | null;
  readonly target: string;
  readonly envs: readonly string[];
  readonly mode: Mode;
  readonly params: readonly ParamSpec[];
  readonly expect: string | null;
  /** Check conditions (issue 11), shown beside expect; absent when not given. */
  readonly warn?: string | null;
  readonly error?: string | null;
  /** The runbook's pipeline time zone: the page asks the server for `today` there. */
  readonly timezone: string;
  readonly variants: readonly BlockVariant[];
}

/** One check of `<RunAllChecks checks="…json…"/>`: a read-only block (SQL, or a system's read command) with a condition. */
export interface RunAllChecksItem {
  readonly id: string;
  readonly title: string;
  readonly step: string;
  readonly stepTitle: string;
  readonly target: string;
  readonly envs: readonly string[];
  /** The expect condition; empty when the check has only warn / error conditions. */
  readonly expect: string;
  readonly warn?: string;
  readonly error?: string;
  /** Parameters, so the report can give every business-date parameter the date it picked. */
  readonly params: readonly ParamSpec[];
  /** The runbook's pipeline time zone (the report's default business date is that zone's). */
  readonly timezone: string;
  /** Keys and hashes per dialect; `code` is left empty (the blocks show the SQL). */
  readonly variants: readonly BlockVariant[];
}
