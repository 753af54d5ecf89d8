/**
 * A slow night: build_interface emptied the flowchart dimension for its nightly reload, then its read of the
 * vault's flowchart satellite waited 55 minutes on a lock a stale session held (a maintenance script left idle in
 * its transaction). cdm_rdv_to_interface finished at about 03:25, after its next DAG's start, and the 360
 * refresh that started at 03:00 rebuilt tonight's Flowchart 360 from the empty dimension: no flowchart is in it.
 * Every DAG succeeded. The recovery the runbooks document: the interface finished, so rerun the 360 refresh.
 */
import { sleep } from '../../clock';
import { FLOWCHART_RELOAD } from '../../dags/interfaceBuild';
import { CREATE_SESSION_LOCKS, SESSION_LOCKS } from '../../dags/locks';
import { replayNight, runEnded } from '../replay';
import type { Scenario, ScenarioContext } from '../types';

const LOCKED = 'rdv.sat_flowchart_details';
const WAIT_SECONDS = 55 * 60;

async function putDimensionBack(ctx: ScenarioContext): Promise<void> {
  await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${FLOWCHART_RELOAD} AS SELECT * FROM cdm_interface.flowchart LIMIT 0`);
  await ctx.warehouse.query(`INSERT INTO cdm_interface.flowchart SELECT * FROM ${FLOWCHART_RELOAD}`);
  await ctx.warehouse.query(`DELETE FROM ${FLOWCHART_RELOAD}`);
}

export const interfaceOverran: Scenario = {
  id: 'interface_overran',
  title: 'Interface build overran the 360 refresh',
  summary:
    "Tonight's build_interface waited 55 minutes on a lock a stale session held on the vault's flowchart satellite, with the flowchart dimension emptied for its reload; it succeeded at about 03:25. The 360 refresh had started at 03:00 and rebuilt Flowchart 360 without a single flowchart. Check the night's run times, validate Flowchart 360, then rerun the 360 refresh for the night.",
  runbook: '/canonical/daily-batch#check-run-times',
  async activate(ctx, bd) {
    // The reload's first statement: the dimension is emptied (its rows wait for the reload's insert).
    await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${FLOWCHART_RELOAD} AS SELECT * FROM cdm_interface.flowchart LIMIT 0`);
    await ctx.warehouse.query(`INSERT INTO ${FLOWCHART_RELOAD} SELECT * FROM cdm_interface.flowchart`);
    await ctx.warehouse.query(`DELETE FROM cdm_interface.flowchart`);
    // 03:00: the 360 refresh runs while the interface build is still waiting.
    const refresh = await replayNight(ctx, 'cdm_360_refresh', bd);
    while (!(await runEnded(ctx, refresh))) await sleep(Math.max(20, Math.round(500 * ctx.timeScale)));
    // The stale session's lock, which the build had been waiting on since 02:30.
    await ctx.warehouse.query(CREATE_SESSION_LOCKS);
    await ctx.warehouse.query(`DELETE FROM ${SESSION_LOCKS} WHERE locked_object = :object`, { object: LOCKED });
    await ctx.warehouse.query(
      `INSERT INTO ${SESSION_LOCKS} VALUES (:object, 'session 4711 (svc_maintenance, idle in transaction)', CAST(:since AS TIMESTAMP), :seconds)`,
      { object: LOCKED, since: `${bd} 01:47:12`, seconds: WAIT_SECONDS },
    );
    const dagRun = await replayNight(ctx, 'cdm_rdv_to_interface', bd);
    return {
      note: `Run ${refresh.runId} of cdm_360_refresh rebuilt Flowchart 360 from an empty flowchart dimension; run ${dagRun.runId} of cdm_rdv_to_interface waits 55 minutes on the night's timeline for the lock, then reloads the dimension.`,
      dagRun,
      runs: [refresh, dagRun],
    };
  },
  async deactivate(ctx, bd) {
    await ctx.warehouse.query(CREATE_SESSION_LOCKS);
    await ctx.warehouse.query(`DELETE FROM ${SESSION_LOCKS} WHERE locked_object = :object`, { object: LOCKED });
    await putDimensionBack(ctx);
    // The night as it should have been: the interface on time, then the 360 refresh on the full dimension.
    const build = await replayNight(ctx, 'cdm_rdv_to_interface', bd);
    while (!(await runEnded(ctx, build))) await sleep(Math.max(20, Math.round(500 * ctx.timeScale)));
    return [build, await replayNight(ctx, 'cdm_360_refresh', bd)];
  },
};
