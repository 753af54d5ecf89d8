/**
 * `tableau run` blocks, in the words operators use in Tableau's own menus: a data source or a workbook, by the
 * name they see on the site, and what to do with it —
 * `tableau datasource refresh "Sales KPI"` (Refresh Extracts…: a write, previewed, then the job is followed),
 * `tableau workbook refresh "Ecommerce KPIs"` (refreshes the extracts the workbook embeds), and
 * `tableau datasource status "Sales KPI"` / `tableau workbook status …` (when the extract was last refreshed,
 * and the latest refresh jobs: read only), and
 * `tableau datasource query "Sales KPI" --field "MAX(kpi_date)" --field "MAX(refreshed_at)"` (what the published
 * data source holds, asked of Tableau's VizQL Data Service: one column per field; read only). `--project` picks
 * one of several items of the same name.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

/** Tableau allows almost any name; it must not be empty, and stays under the REST API's 255 characters. */
const itemName: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 255 ? null : `${what} must be a name of 1 to 255 characters, as shown on the Tableau site.`);
const limit: ValueCheck = (v, what) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? null : `${what} must be 1 to 100.`);

/**
 * The VizQL Data Service's aggregations (its Function enum, the ones a runbook reads a freshness or a total with).
 * A field is `FUNCTION(Field Caption)` or a bare caption (a dimension: one row per value).
 */
export const VDS_FUNCTIONS = ['SUM', 'AVG', 'MEDIAN', 'COUNT', 'COUNTD', 'MIN', 'MAX', 'STDEV', 'VAR', 'YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'TRUNC_YEAR', 'TRUNC_QUARTER', 'TRUNC_MONTH', 'TRUNC_WEEK', 'TRUNC_DAY'] as const;
export type VdsFunction = (typeof VDS_FUNCTIONS)[number];

/** `MAX(kpi_date)` → {function: MAX, caption: kpi_date}; `category` → {caption: category}; null when neither. */
export function parseField(text: string): { readonly caption: string; readonly function: VdsFunction | null } | null {
  const m = /^\s*([A-Za-z_]+)\s*\(\s*(.+?)\s*\)\s*$/s.exec(text);
  if (m) {
    const fn = m[1]!.toUpperCase();
    return (VDS_FUNCTIONS as readonly string[]).includes(fn) ? { caption: m[2]!, function: fn as VdsFunction } : null;
  }
  const caption = text.trim();
  return caption.length > 0 && !/[()]/.test(caption) ? { caption, function: null } : null;
}

const field: ValueCheck = (v, what) => {
  if (parseField(v)) return null;
  const fn = /^\s*([A-Za-z_]+)\s*\(/.exec(v)?.[1];
  return fn && !(VDS_FUNCTIONS as readonly string[]).includes(fn.toUpperCase())
    ? `${what} "${v}": ${fn} is not a VizQL Data Service function; use one of ${VDS_FUNCTIONS.join(', ')}.`
    : `${what} must be a field caption as the data source shows it, or FUNCTION(caption), e.g. "MAX(kpi_date)".`;
};

const PROJECT = { names: ['--project'], key: 'project', takes: 'value', check: itemName } as const;
const LIMIT = { names: ['--limit'], key: 'limit', takes: 'value', check: limit } as const;
const FIELD = { names: ['--field'], key: 'field', takes: 'value', repeat: true, required: true, check: field } as const;

export const TABLEAU_GRAMMAR: SystemGrammar = {
  lang: 'tableau',
  label: 'Tableau',
  program: 'tableau',
  defaultTarget: 'tableau',
  commands: [
    {
      words: ['datasource', 'refresh'],
      write: true,
      summary: "refresh a published data source's extract now, follow the job to its end and show how it finished",
      positionals: [{ key: 'name', what: 'the data source name', check: itemName }],
      flags: [PROJECT],
    },
    {
      words: ['workbook', 'refresh'],
      write: true,
      summary: 'refresh the extracts a workbook embeds now, follow the job to its end and show how it finished',
      positionals: [{ key: 'name', what: 'the workbook name', check: itemName }],
      flags: [PROJECT],
    },
    {
      words: ['datasource', 'status'],
      write: false,
      summary: "a data source's last update and its latest extract refresh jobs, newest first",
      positionals: [{ key: 'name', what: 'the data source name', check: itemName }],
      flags: [PROJECT, LIMIT],
    },
    {
      words: ['datasource', 'query'],
      write: false,
      summary: 'what a published data source holds, asked of Tableau (VizQL Data Service): one column per --field, e.g. "MAX(kpi_date)"',
      positionals: [{ key: 'name', what: 'the data source name', check: itemName }],
      flags: [PROJECT, FIELD],
    },
    {
      words: ['workbook', 'status'],
      write: false,
      summary: "a workbook's last update and its latest extract refresh jobs, newest first",
      positionals: [{ key: 'name', what: 'the workbook name', check: itemName }],
      flags: [PROJECT, LIMIT],
    },
  ],
};
