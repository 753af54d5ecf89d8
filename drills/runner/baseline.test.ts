/**
 * The demo's baseline is green and comes back green (DESIGN.md §8, §7b): every read check of the
 * Canonical runbooks passes on a fresh demo, again after every training scenario was activated and
 * deactivated (no restart, no reseed), and a manual run of the date control from the setup runbook does
 * not read as a slow night. The real app in-process, its checks run over the socket as the page runs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteManifest, startSeededDemo } from './testing/seededDemo';
import type { Manifest } from '../../plugins/remark-runbook/types';
import type { DemoEnvironment } from './environment';
import { baseKey } from './snippets';

let env: DemoEnvironment;
let manifest: Manifest;

beforeAll(async () => {
  manifest = siteManifest();
  env = await startSeededDemo(manifest);
}, 240_000);
afterAll(async () => {
  await env?.close();
});

/** Every Canonical read check, as "Run all checks" would run them; returns those that did not pass. */
async function redChecks(): Promise<string[]> {
  const keys = [...new Set(Object.entries(manifest.snippets).filter(([k, s]) => k.startsWith('canonical-') && s.expect && s.mode === 'read').map(([k]) => baseKey(k)))];
  const red: string[] = [];
  for (const key of keys) {
    const o = await env.run({ snippet: key });
    if (!(o.status === 'succeeded' && o.check?.passed)) red.push(`${key}: ${o.check?.detail ?? o.error?.message ?? o.status}`);
  }
  return red;
}

describe('the demo baseline', () => {
  it('is green on a fresh demo, and green again after every scenario is activated and deactivated', async () => {
    expect(await redChecks()).toEqual([]);
    const canonical = [...(await env.scenarios()).keys()].filter((id) => !id.startsWith('retail') && !id.startsWith('investor') && !id.startsWith('ecomm'));
    expect(canonical.length).toBeGreaterThanOrEqual(6);
    // The publish faults go on first so they come off last: a publish replayed on restore must read the 360
    // layers and the enrichment after every upstream fault is gone.
    canonical.sort((a, b) => Number(b.endsWith('_publish_failed')) - Number(a.endsWith('_publish_failed')));
    for (const id of canonical) await env.activate(id);
    expect((await redChecks()).length).toBeGreaterThan(10);
    // Undone last-in, first-out, as stacked faults are: each deactivation restores what its activation saw.
    for (const id of [...canonical].reverse()) await env.deactivate(id);
    expect(await redChecks()).toEqual([]);
  }, 600_000);

  it('does not count a manual run of the date control as the nightly window', async () => {
    const trigger = await env.run({ snippet: 'canonical-setup-dags/trigger-date-control' });
    expect(trigger.status).toBe('succeeded');
    for (const key of ['canonical-daily-batch/dag-run-times', 'canonical-release-config-change/first-runs-after-release']) {
      const o = await env.run({ snippet: key });
      expect({ key, status: o.status, check: o.check?.detail }).toEqual({ key, status: 'succeeded', check: expect.any(String) });
    }
  }, 120_000);
});
