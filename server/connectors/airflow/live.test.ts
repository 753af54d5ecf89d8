/**
 * Against a real Airflow, when one is given: AIRFLOW_URL, AIRFLOW_USERNAME, AIRFLOW_PASSWORD, AIRFLOW_API
 * (v1 for Airflow 2, v2 for Airflow 3; default v2), AIRFLOW_DAG (default example_bash_operator). Reads
 * only, unless AIRFLOW_LIVE_WRITES=1 allows a trigger of that DAG, followed to its end.
 */
import { describe, expect, it } from 'vitest';
import { createAirflowClient } from './index';

const env = process.env;
const missing = ['AIRFLOW_URL', 'AIRFLOW_USERNAME', 'AIRFLOW_PASSWORD'].filter((k) => !env[k]);
if (missing.length) console.log(`Skipping the live Airflow suite: set ${missing.join(', ')} (and AIRFLOW_API=v1|v2, AIRFLOW_DAG) to run it against a real Airflow.`);

describe.skipIf(missing.length > 0)('a real Airflow', () => {
  const api = env.AIRFLOW_API === 'v1' ? 'v1' : 'v2';
  const dagId = env.AIRFLOW_DAG ?? 'example_bash_operator';
  const client = () => createAirflowClient({ url: env.AIRFLOW_URL!, api, auth: { username: env.AIRFLOW_USERNAME!, password: env.AIRFLOW_PASSWORD! }, ...(env.AIRFLOW_CA ? { tls: { ca: env.AIRFLOW_CA } } : {}) });

  it('reads the DAG, its tasks and its latest runs with their task instances and logs', async () => {
    const c = client();
    expect((await c.getDag(dagId)).dagId).toBe(dagId);
    const tasks = await c.listTaskIds(dagId);
    expect(tasks.length).toBeGreaterThan(0);
    const runs = await c.listRuns(dagId, { limit: 3 });
    for (const r of runs) {
      const tis = await c.listTaskInstances(dagId, r.runId);
      const ran = tis.find((t) => t.tryNumber > 0);
      if (ran) expect(typeof (await c.readLog(dagId, r.runId, ran.taskId, ran.tryNumber, null)).text).toBe('string');
    }
    const dry = await c.clearTaskInstances(dagId, { taskIds: [tasks[0]!], startDate: null, endDate: null, onlyFailed: true, includeDownstream: false, includeUpstream: false, dryRun: true });
    expect(Array.isArray(dry)).toBe(true);
    c.close();
  }, 60_000);

  it.skipIf(env.AIRFLOW_LIVE_WRITES !== '1')('triggers the DAG and follows it to its end', async () => {
    const c = client();
    const run = await c.triggerRun(dagId, { conf: {}, logicalDate: null });
    for (let i = 0; i < 600; i++) {
      const now = await c.getRun(dagId, run.runId);
      if (now.state === 'success' || now.state === 'failed') return void c.close();
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`run ${run.runId} did not end within 10 minutes`);
  }, 660_000);
});
