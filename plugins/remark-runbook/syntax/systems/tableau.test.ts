import { describe, expect, it } from 'vitest';
import { checkCommand, resolveCommand } from './grammar';
import { SLACK_GRAMMAR } from './slack';
import { TABLEAU_GRAMMAR } from './tableau';

describe('tableau block grammar', () => {
  it('reads a refresh as a write and a status as a read, by the names the site shows', () => {
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh "Sales KPI"')).toEqual({ command: 'datasource refresh', write: true });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau workbook refresh "Ecommerce KPIs" --project Ecommerce')).toEqual({ command: 'workbook refresh', write: true });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource status "Sales KPI" --limit 3')).toEqual({ command: 'datasource status', write: false });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau workbook status \'Ecommerce KPIs\'')).toEqual({ command: 'workbook status', write: false });
  });

  it('reads a data source query as a read, with at least one field, each a caption or FUNCTION(caption)', () => {
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource query "Sales KPI" --field "MAX(kpi_date)" --field "MAX(refreshed_at)"')).toEqual({ command: 'datasource query', write: false });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource query "Sales KPI" --field category --project Ecommerce')).toEqual({ command: 'datasource query', write: false });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource query "Sales KPI"')).toMatchObject({ error: 'tableau datasource query needs --field.' });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource query "Sales KPI" --field "LATEST(kpi_date)"')).toMatchObject({ lineOffset: 0, column: 46, error: expect.stringMatching(/LATEST is not a VizQL Data Service function; use one of SUM, AVG/) });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource query "Sales KPI" --field "MAX()"')).toMatchObject({ error: expect.stringMatching(/--field must be a field caption as the data source shows it, or FUNCTION\(caption\)/) });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau workbook query "Ecommerce KPIs" --field x')).toMatchObject({ error: expect.stringMatching(/is not one of the Tableau commands/) });
  });

  it('says what is wrong and where', () => {
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh')).toMatchObject({ error: 'tableau datasource refresh needs the data source name.' });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh Sales KPI')).toMatchObject({ column: 34, error: expect.stringMatching(/"KPI" is one word too many .*quote a value that has spaces/) });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource delete "Sales KPI"')).toMatchObject({ column: 9, error: expect.stringMatching(/"tableau datasource delete" is not one of the Tableau commands runbooks can run: tableau datasource refresh, tableau workbook refresh/) });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh "Sales KPI" --limit 3')).toMatchObject({ error: expect.stringMatching(/"--limit" is not an option of tableau datasource refresh\. Options: --project/) });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource status "Sales KPI" --limit 500')).toMatchObject({ error: '--limit must be 1 to 100.' });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tabcmd refreshextracts --datasource "Sales KPI"')).toMatchObject({ column: 1, error: expect.stringMatching(/A tableau block starts with "tableau"/) });
  });

  it('substitutes a parameter inside the name it was written in', () => {
    const params = [{ name: 'ds', type: 'string', default: 'Sales KPI' }];
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh "{{ds}}"', params)).toEqual({ command: 'datasource refresh', write: true });
    expect(checkCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh "{{name}}"', params)).toMatchObject({ error: expect.stringMatching(/Parameter "name" is used but not declared/) });
    expect(resolveCommand(TABLEAU_GRAMMAR, 'tableau datasource refresh "{{ds}}"', { ds: { type: 'string', value: 'Sales KPI --project x' } })).toEqual({
      ok: true, command: { name: 'datasource refresh', write: true, args: { name: 'Sales KPI --project x' }, flags: {} },
    });
  });
});

describe('slack block grammar', () => {
  it('posts to a channel by name: a write', () => {
    expect(checkCommand(SLACK_GRAMMAR, 'slack post --channel "#data-eng" --text "DailyRefresh failed"')).toEqual({ command: 'post', write: true });
    expect(checkCommand(SLACK_GRAMMAR, 'slack post --channel data-eng --text "x"')).toEqual({ command: 'post', write: true });
  });

  it('refuses what Slack would not take', () => {
    expect(checkCommand(SLACK_GRAMMAR, 'slack post --channel "#Data Eng" --text x')).toMatchObject({ error: expect.stringMatching(/"#Data Eng" is not a Slack channel name/) });
    expect(checkCommand(SLACK_GRAMMAR, 'slack post --channel "#data-eng"')).toMatchObject({ error: 'slack post needs --text.' });
    expect(checkCommand(SLACK_GRAMMAR, 'slack post --channel "#data-eng" --text ""')).toMatchObject({ error: '--text must be 1 to 3000 characters.' });
  });
});
