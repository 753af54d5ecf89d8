import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../plugins/remark-runbook/types';
import { coverageOf } from './coverage';
import { buildSiteManifest } from './index';
import { loadDrills } from './load';

const siteDir = path.resolve(__dirname, '../..');
const fixtures = path.join(__dirname, '__fixtures__');
const scenarios = new Map([['late_ldz_file', ['deliver']]]);
let manifest: Manifest;
beforeAll(() => {
  manifest = buildSiteManifest(siteDir);
});

describe('loading drills', () => {
  it('loads a valid drill, defaults passes to fails, and reads the uncovered list', () => {
    const loaded = loadDrills({ drillsDir: path.join(fixtures, 'good'), siteDir, manifest, scenarios });
    expect(loaded.problems).toEqual([]);
    expect(loaded.drills.map((d) => d.name)).toEqual(['canonical/late-file']);
    expect(loaded.drills[0]!.passes).toEqual(loaded.drills[0]!.fails);
    expect(loaded.uncovered.map((u) => u.snippet)).toEqual(['canonical-daily-batch/ldz-files-landed']);
  });

  it('says for each problem the file, the field and how to fix it', () => {
    const { problems, drills } = loadDrills({ drillsDir: path.join(fixtures, 'bad'), siteDir, manifest, scenarios });
    expect(drills).toEqual([]);
    const text = problems.join('\n');
    expect(text).toMatch(/drills\/runner\/__fixtures__\/bad\/canonical\/broken.yaml: runbook: \/canonical\/no-such-page is not a page of the site/);
    expect(text).toMatch(/broken.yaml: fails\[0\].snippet: canonical-failure-handling\/ldz-task-attempts has no expect=, warn= or error=/);
    expect(text).toMatch(/broken.yaml: recover\[0\]: canonical-failure-handling\/remove-duplicate-hub-customer is an escalation step: name the demo identity who approves it/);
    expect(text).toMatch(/broken.yaml: recover\[1\].action: scenario late_ldz_file has no action "explode"; it has deliver/);
    expect(text).toMatch(/typo.yaml:8: fails.0: /);
    expect(text).toMatch(/bad\/misc: drills live in one folder per family/);
  });
});

describe('coverage', () => {
  it('lists checks that no drill makes fail and no uncovered list names, counting per-engine variants once', () => {
    const { drills, uncovered } = loadDrills({ drillsDir: path.join(fixtures, 'good'), siteDir, manifest, scenarios });
    const c = coverageOf(manifest, drills, uncovered);
    expect(c.covered).toEqual(['canonical-failure-handling/ldz-missing-files']);
    expect(c.uncovered.map((u) => u.snippet)).toEqual(['canonical-daily-batch/ldz-files-landed']);
    expect(c.missing).toContain('canonical-setup-dags/date-control-set');
    expect(c.missing.filter((k) => k.startsWith('canonical-setup-dags/date-control-set'))).toHaveLength(1);
    expect(c.missing).not.toContain('canonical-failure-handling/ldz-missing-files');
  });

  it('does not count a write\'s affected-rows guard as a check a drill must make fail', () => {
    const guarded = Object.entries(manifest.snippets).filter(([, s]) => s.mode === 'write' && s.expect);
    expect(guarded.length).toBeGreaterThan(0);
    const c = coverageOf(manifest, [], []);
    for (const [key] of guarded) expect(c.missing).not.toContain(key);
    expect(c.missing.length).toBeGreaterThan(0);
  });
});
