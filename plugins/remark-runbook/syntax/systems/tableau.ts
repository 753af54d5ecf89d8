/**
 * `tableau run` blocks, in the words operators use in Tableau's own menus: a data source or a workbook, by the
 * name they see on the site, and what to do with it —
 * `tableau datasource refresh "Sales KPI"` (Refresh Extracts…: a write, previewed, then the job is followed),
 * `tableau workbook refresh "Ecommerce KPIs"` (refreshes the extracts the workbook embeds), and
 * `tableau datasource status "Sales KPI"` / `tableau workbook status …` (when the extract was last refreshed,
 * and the latest refresh jobs: read only). `--project` picks one of several items of the same name.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

/** Tableau allows almost any name; it must not be empty, and stays under the REST API's 255 characters. */
const itemName: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 255 ? null : `${what} must be a name of 1 to 255 characters, as shown on the Tableau site.`);
const limit: ValueCheck = (v, what) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? null : `${what} must be 1 to 100.`);

const PROJECT = { names: ['--project'], key: 'project', takes: 'value', check: itemName } as const;
const LIMIT = { names: ['--limit'], key: 'limit', takes: 'value', check: limit } as const;

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
      words: ['workbook', 'status'],
      write: false,
      summary: "a workbook's last update and its latest extract refresh jobs, newest first",
      positionals: [{ key: 'name', what: 'the workbook name', check: itemName }],
      flags: [PROJECT, LIMIT],
    },
  ],
};
