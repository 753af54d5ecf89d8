/**
 * One sentence and a few facts per timeline event, in words an operator reads: the Markdown and HTML
 * reports (and the page's timeline) say the same thing about each event.
 */
import type { OperationEvent, OperationRunData } from '../types';

export interface DescribedEvent {
  /** One line: what happened. */
  readonly summary: string;
  /** `label: value` facts under it. */
  readonly facts: readonly (readonly [string, string])[];
  /** Free text the person wrote (a note, a handover note), shown as a quote. */
  readonly text: string | null;
  /** ok / bad / warn / info: the tone of the outcome (never the only carrier of the meaning). */
  readonly tone: 'ok' | 'bad' | 'warn' | 'info';
  /** The first rows of a run, when it returned any. */
  readonly table: { readonly columns: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly more: number } | null;
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const paramsText = (p: Readonly<Record<string, unknown>>) => Object.entries(p).map(([k, v]) => `${k}=${cell(v)}`).join(', ');

function runFacts(r: OperationRunData): (readonly [string, string])[] {
  const facts: (readonly [string, string])[] = [
    ['snippet', r.snippet],
    ['sha256', r.sha256],
    ['environment', r.env],
  ];
  const params = paramsText(r.params);
  if (params) facts.push(['parameters', params]);
  facts.push(['rows', `${r.rowCount}${r.truncated ? ' (truncated)' : ''}`]);
  if (r.rowsAffected !== null) facts.push(['rows changed', String(r.rowsAffected)]);
  if (r.check) facts.push(['check', `${r.check.verdict ?? (r.check.passed ? 'ok' : 'error')}: ${r.check.detail}`]);
  if (r.error) facts.push(['error', `${r.error.code}: ${r.error.message}`]);
  if (r.approval) facts.push(['approval', r.approval]);
  if (r.airflow) {
    facts.push(['Airflow run', `${r.airflow.dagId} / ${r.airflow.runId}: ${r.airflow.state}`]);
    if (r.airflow.tasks.length) facts.push(['tasks', r.airflow.tasks.map((t) => `${t.taskId} ${t.state ?? 'none'}`).join(', ')]);
  }
  if (r.runId) facts.push(['run id', r.runId]);
  return facts;
}

function runTone(r: OperationRunData): DescribedEvent['tone'] {
  if (r.status === 'succeeded') return r.check?.verdict === 'warn' ? 'warn' : 'ok';
  if (r.status === 'cancelled') return 'warn';
  return 'bad';
}

export function describeEvent(e: OperationEvent): DescribedEvent {
  const d = e.data;
  const who = e.actor.displayName;
  const plain = (summary: string, text: string | null = null, tone: DescribedEvent['tone'] = 'info', facts: (readonly [string, string])[] = []): DescribedEvent => ({ summary, facts, text, tone, table: null });
  switch (d.kind) {
    case 'started':
      return plain(`${who} started the operation (${d.severity}, ${d.env})`, null, 'info', [
        ['from', d.origin],
        ...(Object.keys(d.params).length ? [['parameters', paramsText(d.params)] as const] : []),
        ...(d.checks?.length ? [['failing checks', d.checks.join(', ')] as const] : []),
      ]);
    case 'run': {
      const r = d.run;
      const what = r.dryRun ? 'previewed' : 'ran';
      const sample = r.sample.length ? { columns: r.columns, rows: r.sample.map((row) => row.map(cell)), more: Math.max(0, r.rowCount - r.sample.length) } : null;
      return { summary: `${who} ${what} ${r.snippet.slice(r.snippet.indexOf('/') + 1)}: ${r.status}`, facts: runFacts(r), text: null, tone: runTone(r), table: sample };
    }
    case 'approval': {
      const a = d.approval;
      const verb = { requested: `${who} asked ${a.approverLabel ?? a.approverRole} to approve`, approved: `${who} approved`, rejected: `${who} rejected`, used: 'The approved run used', expired: 'Nobody decided in time on', escalated: 'Escalated' }[d.event];
      const tone = d.event === 'approved' || d.event === 'used' ? 'ok' : d.event === 'rejected' || d.event === 'expired' ? 'bad' : 'info';
      return plain(`${verb} ${a.snippet.slice(a.snippet.indexOf('/') + 1)} on ${a.env}`, d.event === 'requested' ? a.reason : a.comment, tone, [
        ['approval', a.id],
        ['snippet', a.snippet],
        ['sha256', a.sha256],
        ...(Object.keys(a.params).length ? [['parameters', paramsText(a.params)] as const] : []),
      ]);
    }
    case 'step':
      return plain(`${who} ${d.done ? 'ticked' : 'unticked'} “${d.title}” as done`, null, d.done ? 'ok' : 'warn', [['step', `${d.runbook}#${d.step}`]]);
    case 'note':
      return plain(`${who} wrote a note`, d.text);
    case 'link':
      return plain(`${who} opened the runbook “${d.title}”`, null, 'info', [['page', d.path]]);
    case 'joined':
      return plain(`${who} joined`);
    case 'handover':
      return plain(`${who} handed the operation over to ${d.to.displayName}`, d.note, 'warn');
    case 'resumed':
      return plain(`${who} resumed the operation`, d.note || null, 'info');
    case 'closed':
      return plain(`${who} closed the operation`, d.note || null, 'ok');
    case 'page': {
      const facts: (readonly [string, string])[] = [];
      if (d.ladder) facts.push(['ladder', `${d.ladder}${d.level ? ` · ${d.level}` : ''}`]);
      if (d.contact) facts.push(['reach', d.contact]);
      if (d.channels?.length) facts.push(['channel', d.channels.join(', ')]);
      if (d.dedupKey) facts.push(['dedup key', d.dedupKey]);
      if (d.httpStatus) facts.push(['HTTP status', String(d.httpStatus)]);
      if (d.answer) facts.push(['answer', d.answer]);
      if (d.outcome === 'queued') return plain(`${who} paged ${d.target}`, d.summary, 'info', facts);
      const via = d.channels?.length ? ` via ${d.channels.join(', ')}` : '';
      return d.outcome === 'sent'
        ? plain(`The page to ${d.target} was delivered${via}`, null, 'ok', facts)
        : plain(`The page to ${d.target} could not be delivered${via}`, null, 'bad', facts);
    }
  }
}
