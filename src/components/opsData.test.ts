/**
 * The operations data files are sound and every page refers to data that exists: ladders named by front
 * matter and <EscalationLadder id>, rotations named by <OnCall rotation>, pipelines named by <PipelineOwners>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkOpsData, formatAfter, type OpsData } from './opsData';
import { weekOf } from './OnCall/rotation';
import { resolveLevel } from './EscalationLadder/resolveLevel';

const siteDir = path.resolve(__dirname, '..', '..');
const read = (file: string): Record<string, never> => parse(fs.readFileSync(path.join(siteDir, file), 'utf8')) as Record<string, never>;

const data: OpsData = {
  escalation: read('docs/_data/escalation.yaml'),
  oncall: read('docs/investor/_data/oncall.yaml'),
  ownership: read('docs/investor/_data/ownership.yaml'),
  people: read('docs/_data/people.yaml'),
};

/** The pages of the systems whose data lives in these files (the template holds placeholders, not references). */
const pages = ['docs/retail', 'docs/investor', 'docs/ecommerce'].flatMap((dir) =>
  fs.readdirSync(path.join(siteDir, dir)).filter((f) => f.endsWith('.mdx') && f !== 'runbook-template.mdx').map((f) => path.join(dir, f)),
);

function attributes(component: string, attribute: string): { file: string; value: string }[] {
  const pattern = new RegExp(`<${component}\\b[^>]*\\b${attribute}="([^"]+)"`, 'g');
  return pages.flatMap((file) => [...fs.readFileSync(path.join(siteDir, file), 'utf8').matchAll(pattern)].map((m) => ({ file, value: m[1]! })));
}

describe('operations data', () => {
  it('has the shape the components expect, with every reference between files resolved', () => {
    expect(checkOpsData(data)).toEqual([]);
  });

  it('keeps dates as strings (quoted in YAML), so every parser reads them alike', () => {
    for (const r of Object.values(data.oncall)) {
      expect(typeof r.start).toBe('string');
      for (const s of r.swaps ?? []) expect(typeof s.week).toBe('string');
    }
  });

  it('defines every ladder the runbooks and pages name', () => {
    const named = [
      ...pages.flatMap((file) => {
        const m = /^\s+escalation:\s*(\S+)/m.exec(fs.readFileSync(path.join(siteDir, file), 'utf8'));
        return m ? [{ file, value: m[1]! }] : [];
      }),
      ...attributes('EscalationLadder', 'id'),
    ];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !data.escalation[n.value])).toEqual([]);
  });

  it('defines every rotation and pipeline the pages name, and every runbook page the ownership links to', () => {
    expect(attributes('OnCall', 'rotation').filter((n) => !data.oncall[n.value])).toEqual([]);
    expect(attributes('PipelineOwners', 'pipeline').filter((n) => !data.ownership[n.value])).toEqual([]);
    for (const owner of Object.values(data.ownership)) {
      if (owner.page) expect(fs.existsSync(path.join(siteDir, 'docs', `${owner.page}.mdx`)), owner.page).toBe(true);
    }
  });

  it('keeps Slack channels in values (an unquoted " #" starts a YAML comment and cuts the value short)', () => {
    expect(data.escalation.profit!.levels[0]!.reach).toContain('#data-eng-alerts');
    expect(data.escalation.ecommerce!.levels[0]!.reach).toContain('#data-eng');
    expect(data.escalation.ecommerce!.priorities![0]!.response[0]).toContain('#data-eng');
  });

  it('carries the investor escalation times of the seed: manager after 2 h, finance lead after 6 h', () => {
    const profit = data.escalation.profit!;
    expect(profit.levels.map((l) => [l.name, formatAfter(l.after)])).toEqual([
      ['On-call engineer', 'Immediately'],
      ['Backup on-call', 'No fixed time'],
      ['Primary owner', 'No fixed time'],
      ['Secondary owner', 'No fixed time'],
      ['Data Engineering Manager', 'After 2 h'],
      ['Finance Lead', 'After 6 h'],
    ]);
  });

  it('names on the Profit ladder whoever the on-call widget shows, swaps included, each with contact details', () => {
    const profit = data.escalation.profit!;
    const rotation = data.oncall.investor!;
    // A cycle week, and the holiday swap of 21 Dec (Engineer A instead of C).
    for (const day of ['2026-12-02', '2026-12-23', '2027-01-06']) {
      const now = new Date(`${day}T12:00:00Z`);
      const week = weekOf(rotation, day);
      const first = resolveLevel(data, profit, profit.levels[0]!, now);
      const backup = resolveLevel(data, profit, profit.levels[1]!, now);
      expect([first.who, backup.who]).toEqual([week.primary, week.backup]);
      expect(first.contact?.slack).toMatch(/^@engineer-/);
    }
    expect(resolveLevel(data, profit, profit.levels[2]!, new Date()).who).toBe(data.ownership['profit-aggregate']!.primary);
    // The runbook's Primary → Secondary order is kept after the on-call levels.
    expect(resolveLevel(data, profit, profit.levels[3]!, new Date()).who).toBe(data.ownership['profit-aggregate']!.secondary);
  });
});

describe('formatAfter', () => {
  it('says when a level is engaged', () => {
    expect(formatAfter('0m')).toBe('Immediately');
    expect(formatAfter('90m')).toBe('After 1 h 30 min');
    expect(formatAfter('2h')).toBe('After 2 h');
    expect(formatAfter('1d')).toBe('After 1 d');
    expect(formatAfter(undefined)).toBe('No fixed time');
  });
});
