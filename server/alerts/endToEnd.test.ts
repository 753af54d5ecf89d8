/**
 * From a run in the page to a page in PagerDuty: the runner records the check result, the history reports
 * the state change, alerts route it to Slack and PagerDuty (the contract fakes on loopback), and a run that
 * passes again resolves it. A receiver that keeps failing is retried, recorded in GET /api/notifications,
 * and never fails the run or the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyReceiver } from '../notifications/testing/pagerdutyReceiver';
import { SlackWebhookReceiver } from '../notifications/testing/slackReceiver';
import { ADMIN, startHarness, type Harness, type TestClient } from '../testing/harness';

const KEY = 'c'.repeat(32);
const CHECK = 'investor-profit/deviation';
const slack = new SlackWebhookReceiver();
const pd = new PagerDutyReceiver();
let h: Harness;
let client: TestClient;
let n = 0;

beforeAll(async () => {
  const slackUrl = await slack.start();
  const pdUrl = await pd.start();
  // Secrets reach the configuration only as ${ENV} references, as in production.
  process.env.E2E_ALERTS_SLACK_URL = `${slackUrl}${slack.path}`;
  process.env.E2E_ALERTS_PD_KEY = KEY;
  h = await startHarness({
    setupSql: 'create table t (x int)',
    snippets: {
      [CHECK]: { text: 'select :deviation as deviation', params: [{ name: 'deviation', type: 'int', default: '0' }, { name: 'business_date', type: 'date', default: 'today' }], expect: 'value <= 20', title: 'Profit within 20 %' },
    },
    extraConfig:
      `notifications: {publicUrl: "https://opsbook.internal"}\n` +
      `alerts:\n  channels:\n    ops: {kind: slack, url: "\${E2E_ALERTS_SLACK_URL}"}\n    pager: {kind: pagerduty, routingKey: "\${E2E_ALERTS_PD_KEY}", url: "${pdUrl}/v2/enqueue"}\n    dead: {kind: webhook, url: "${slackUrl}/nowhere"}\n` +
      `  default: [ops, pager, dead]\n  maxAttempts: 2\n  retryBaseMs: 20\n`,
  });
  client = await h.connect();
});
afterAll(async () => {
  client?.close();
  await h?.close();
  await slack.close();
  await pd.close();
});

async function run(deviation: number, businessDate = '2026-11-30') {
  const id = `r${++n}`;
  client.send({ type: 'run', id, snippet: CHECK, sha256: h.manifest.snippets[CHECK]!.sha256, env: 'demo', params: { deviation, business_date: businessDate } });
  return client.done(id);
}

describe('alerts from real check runs', () => {
  it('pages on error with the value, threshold and deep link, and resolves when the check passes again', async () => {
    expect(await run(40)).toMatchObject({ status: 'failed', check: { passed: false } });
    const dedup = `opsbook:demo:${CHECK}:2026-11-30`;
    await pd.waitFor(() => pd.open.has(dedup), 'the PagerDuty trigger');
    await slack.waitFor(() => slack.messages.length >= 1, 'the Slack alert');
    const link = 'https://opsbook.internal/test?env=demo&business_date=2026-11-30#snippet-deviation';
    expect(pd.open.get(dedup)).toMatchObject({ payload: { severity: 'error', custom_details: { value: 40, threshold: 'value <= 20', ran_by: 'dana.operator', origin: 'page' } }, links: [{ href: link }] });
    expect(slack.messages[0]!.text).toContain(link);

    expect(await run(5)).toMatchObject({ status: 'succeeded' });
    await pd.waitFor(() => !pd.open.has(dedup), 'the PagerDuty resolve');
    // Passing again while ok is no state change: nothing more is sent.
    expect(await run(3)).toMatchObject({ status: 'succeeded' });
    await slack.waitFor(() => slack.messages.length >= 2, 'the Slack resolution');
    expect(pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('keeps one incident per business date: the next day failing opens its own, and the old day passing again resolves only its own', async () => {
    const dec1 = `opsbook:demo:${CHECK}:2026-12-01`;
    const dec2 = `opsbook:demo:${CHECK}:2026-12-02`;
    const before = pd.events.length;
    expect(await run(50, '2026-12-01')).toMatchObject({ status: 'failed' });
    await pd.waitFor(() => pd.open.has(dec1), 'the trigger for 2026-12-01');
    expect(await run(60, '2026-12-02')).toMatchObject({ status: 'failed' });
    await pd.waitFor(() => pd.open.has(dec2), 'the trigger for 2026-12-02');
    // A rerun of 2026-12-01 after the data was fixed: its incident resolves, 2026-12-02's stays open.
    expect(await run(2, '2026-12-01')).toMatchObject({ status: 'succeeded' });
    await pd.waitFor(() => !pd.open.has(dec1), 'the resolve of 2026-12-01');
    expect(pd.open.has(dec2)).toBe(true);
    expect(pd.events.slice(before).map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', dec1], ['trigger', dec2], ['resolve', dec1]]);
    // Back to ok on the still-failing date closes the last one.
    expect(await run(0, '2026-12-02')).toMatchObject({ status: 'succeeded' });
    await pd.waitFor(() => !pd.open.has(dec2), 'the resolve of 2026-12-02');
  });

  it('cannot be silenced by a page claiming to be the demo replay: its run is recorded as the page it is, and alerts', async () => {
    const id = `r${++n}`;
    client.send({ type: 'run', id, snippet: CHECK, sha256: h.manifest.snippets[CHECK]!.sha256, env: 'demo', params: { deviation: 70, business_date: '2026-12-03' }, origin: 'seed' });
    expect(await client.done(id)).toMatchObject({ status: 'failed' });
    const dec3 = `opsbook:demo:${CHECK}:2026-12-03`;
    await pd.waitFor(() => pd.open.has(dec3), 'the trigger for 2026-12-03');
    expect(pd.open.get(dec3)).toMatchObject({ payload: { custom_details: { origin: 'page', ran_by: 'dana.operator' } } });
    expect(await run(0, '2026-12-03')).toMatchObject({ status: 'succeeded' });
    await pd.waitFor(() => !pd.open.has(dec3), 'the resolve of 2026-12-03');
  });

  it('records a receiver that keeps failing in GET /api/notifications, and the server keeps serving', async () => {
    type View = { channel: string; event: string; status: string; attempts: number; lastError: string; attemptLog: { outcome: string; httpStatus: number }[] };
    let failed: View[] = [];
    const deadline = Date.now() + 60_000;
    while (failed.length < 8 && Date.now() < deadline) {
      const res = await h.api('GET', '/api/notifications?status=failed', ADMIN);
      expect(res.status).toBe(200);
      failed = (res.body.notifications as View[]).filter((v) => v.channel === 'dead');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Four business dates, each triggered and resolved: every one of them recorded as failed, none lost.
    expect(failed.map((f) => f.event).sort()).toEqual(['check.error', 'check.error', 'check.error', 'check.error', 'check.resolved', 'check.resolved', 'check.resolved', 'check.resolved']);
    for (const f of failed) {
      // 404 from the receiver is permanent: one attempt, recorded with the answer.
      expect(f).toMatchObject({ attempts: 1, lastError: 'HTTP 404: no_service' });
      expect(f.attemptLog).toEqual([expect.objectContaining({ outcome: 'failed', httpStatus: 404 })]);
    }
    expect(await run(1)).toMatchObject({ status: 'succeeded' });
  });
});
