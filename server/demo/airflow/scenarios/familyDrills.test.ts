/**
 * The retail, investor and ecommerce drills (drills/<family>/*.yaml) straight on the sandbox: the scenario
 * injects its fault, every `fails` check fails, the documented recovery (manifest blocks, run through the same
 * executors the server uses) changes rows and succeeds, every `passes` check passes, and deactivating returns
 * the checks to green. The drill runner (`npm run drill`) proves the same through the server's HTTP and socket
 * path with approvals; this test proves the scenarios, the DAGs and the checks themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRunbooks } from '../../../../plugins/remark-runbook/collect';
import { buildManifest } from '../../../../plugins/remark-runbook/manifest';
import { evaluateExpect, parseExpect } from '../../../../plugins/remark-runbook/syntax/expect';
import type { AirflowClient } from '../../../connectors/airflow/types';
import { executeAirflowSnippet } from '../../../connectors/airflow/execute/index';
import { bindParams } from '../../../execution/bindParams';
import { serveSandbox, waitForRun, type ServedSandbox } from '../testing/serve';

interface Step {
  readonly snippet?: string;
  readonly action?: string;
  readonly params?: Record<string, string | number>;
}
interface Drill {
  readonly id: string;
  readonly family: string;
  readonly fault: { readonly scenario: string };
  readonly fails: readonly Step[];
  readonly recover: readonly Step[];
  readonly passes?: readonly Step[];
}

const siteDir = path.resolve(__dirname, '../../../..');
const manifest = buildManifest(collectRunbooks(siteDir), { commit: null, dirty: true });
const drills: Drill[] = ['retail', 'investor', 'ecommerce'].flatMap((family) => {
  const dir = path.join(siteDir, 'drills', family);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Drill);
});

let s: ServedSandbox;
let v2: AirflowClient;
beforeAll(async () => {
  s = await serveSandbox({ timeScale: Number(process.env.FAMILY_DRILL_TIME_SCALE ?? 0.02) });
  v2 = s.client('v2');
}, 180_000);
afterAll(async () => s?.close());

async function scenario(id: string, action: string) {
  const res = await fetch(`${s.url}/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, action }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${id} ${action}: ${res.status} ${text}`);
  return (JSON.parse(text) as { scenario: { dagRun: { dagId: string; runId: string } | null } }).scenario;
}

/** Runs one manifest block; returns whether it succeeded, rows it changed (writes) and its check's verdict. */
async function run(step: Step): Promise<{ ok: boolean; changed: number; passed: boolean | null; detail: string }> {
  const snippet = manifest.snippets[step.snippet!] ?? manifest.snippets[`${step.snippet!}:duckdb`];
  if (!snippet) throw new Error(`No block ${step.snippet} in the manifest.`);
  const bound = bindParams(snippet.params, step.params ?? {}, new Date());
  if (!bound.ok) throw new Error(`${step.snippet}: ${bound.message}`);
  if (snippet.lang === 'airflow') {
    const outcome = await executeAirflowSnippet({
      client: v2, text: snippet.text, binds: bound.binds, preview: false, id: 'drill', signal: new AbortController().signal, maxRows: 1000, pollMs: 50,
      channel: { send: () => undefined, rows: () => Promise.resolve() },
    });
    return { ok: outcome.status === 'succeeded', changed: 1, passed: null, detail: outcome.error?.message ?? outcome.status };
  }
  const rows = await s.sandbox.core.warehouse.query(snippet.text, bound.resolved);
  const changed = snippet.mode === 'write' ? Number(rows[0]?.Count ?? 0) : 0;
  if (!snippet.expect) return { ok: true, changed, passed: null, detail: `${rows.length} rows` };
  const check = parseExpect(snippet.expect);
  if ('error' in check) throw new Error(check.error);
  const first = rows[0] ? Object.values(rows[0])[0] : undefined;
  const verdict = evaluateExpect(check, rows.length, first);
  return { ok: true, changed, passed: verdict.passed, detail: verdict.detail };
}

async function expectChecks(steps: readonly Step[], passed: boolean, phase: string) {
  for (const step of steps) {
    const r = await run(step);
    expect(r.passed, `${phase}: ${step.snippet} (${r.detail})`).toBe(passed);
  }
}

describe('family drills on the sandbox', () => {
  it('has drills to run', () => expect(drills.length).toBeGreaterThan(0));
  for (const drill of drills) {
    it(`${drill.family}/${drill.id}: fault → checks fail → recovery → checks pass → deactivate → green`, async () => {
      const { dagRun } = await scenario(drill.fault.scenario, 'activate');
      if (dagRun) await waitForRun(v2, dagRun.dagId, dagRun.runId);
      await expectChecks(drill.fails, false, 'under the fault');
      for (const step of drill.recover) {
        if (step.action) {
          await scenario(drill.fault.scenario, step.action);
          continue;
        }
        const r = await run(step);
        expect(r.ok, `recovery step ${step.snippet}: ${r.detail}`).toBe(true);
        expect(r.changed, `recovery step ${step.snippet} changed nothing`).toBeGreaterThan(0);
      }
      if (process.env.FAMILY_DRILL_DEBUG) console.log(JSON.stringify(await s.query(process.env.FAMILY_DRILL_DEBUG), null, 1));
      await expectChecks(drill.passes ?? drill.fails, true, 'after the recovery');
      await scenario(drill.fault.scenario, 'deactivate');
      await expectChecks([...drill.fails, ...(drill.passes ?? [])], true, 'after deactivating');
    }, 120_000);
  }
});
