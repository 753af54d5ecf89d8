import useIsBrowser from '@docusaurus/useIsBrowser';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import clsx from 'clsx';
import CodeBlock from '@theme/CodeBlock';
import type { RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import { useEnvironments } from '@site/src/lib/environment';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import { useZoneDates } from '@site/src/lib/zoneDates';
import ApprovalPanel from './ApprovalPanel';
import type { RunIntent } from './approvalMatch';
import ClearPreview from './ClearPreview';
import SystemPreview from './SystemPreview';
import Header, { LANG_LABEL as HEADER_LABEL } from './Header';
import StatusLine, { STATUS_TEXT, statusWord } from './StatusLine';
import Params from './Params';
import ResultGrid from './ResultGrid';
import KeptGrid from './KeptGrid';
import TaskGrid from './TaskGrid';
import RequiredActions from './RequiredActions';
import Terminal from './Terminal';
import { defaultValue, wireValue } from './params';
import { clearGroups } from './airflow';
import { triggerPlan } from './triggerPreview';
import ReportedCheck, { useReportedCheck } from './ReportedCheck';
import { clearCheckResult } from '@site/src/lib/checkResults';
import { useAirflowBlock } from './useAirflowBlock';
import { useRun } from './useRun';
import { useEscalation } from './useEscalation';
import { useLinkedBlock } from './useLinkedBlock';
import CopyLink from './CopyLink';
import CheckBadge from './CheckBadge';
import PartialOutput from './PartialOutput';
import { blockAnchor } from '@site/src/lib/deepLink';
import { useLocation } from '@docusaurus/router';
import { chooseVariant } from './variant';
import { writeOutcome } from './writeOutcome';
import styles from './styles.module.css';

interface Props {
  /** RunnableBlockSpec as JSON, as the remark plugin emits it. */
  readonly spec: string;
}


/** Highlighting is the costliest part of a block: skip it on the elapsed timer's re-renders. */
const Code = memo(function Code({ language, code }: { readonly language: string; readonly code: string }): ReactNode {
  return <CodeBlock language={language}>{code}</CodeBlock>;
});

function parseSpec(json: string): RunnableBlockSpec | null {
  try {
    const spec = JSON.parse(json) as RunnableBlockSpec;
    return spec && Array.isArray(spec.variants) && Array.isArray(spec.params) ? spec : null;
  } catch {
    return null;
  }
}

/** A check's `sample=N` cap on the failing rows it returns, when the runbook declares one. */
function sampleOf(spec: RunnableBlockSpec): number | null {
  const sample = (spec as RunnableBlockSpec & { readonly sample?: unknown }).sample;
  return typeof sample === 'number' && sample > 0 ? sample : null;
}

/** Why Run is disabled on an escalation step, per approval state (when no usable approval exists). */
const APPROVAL_BLOCKED: Record<ReturnType<typeof useEscalation>['state'], string> = {
  loading: 'Checking for an approval…',
  none: 'Needs an approval: request one below.',
  pending: 'Waiting for the approval.',
  approved: 'The approval does not match the values above.',
  rejected: 'The request was rejected.',
  used: 'The approval was used: request a new one.',
  expired: 'The approval expired: request a new one.',
};

/** A runnable SQL / Airflow snippet: code, parameters, Run/Cancel, live status, results and log. */
export default function RunnableBlock({ spec: specJson }: Props): ReactNode {
  const spec = useMemo(() => parseSpec(specJson), [specJson]);
  if (!spec) {
    return (
      <div role="alert" className={styles.alert}>
        This runnable block could not be read (invalid spec). Rebuild the site; if it persists, report it with the page URL.
      </div>
    );
  }
  return <Block spec={spec} />;
}

function Block({ spec }: { readonly spec: RunnableBlockSpec }): ReactNode {
  const idPrefix = useId().replace(/:/g, '');
  const base = useServerBase();
  const envState = useEnvironments();
  const env = envState.environments.find((e) => e.name === envState.selected) ?? null;
  const { variant, blocked: envBlocked } = chooseVariant(spec, env, envState.status);
  const getWsUrl = useCallback(() => wsUrl(base), [base]);
  const run = useRun(getWsUrl);
  const { view } = run;
  const [edits, setEdits] = useState<Record<string, string>>({});
  // Until the page is live a choice typed into the static HTML is not seen, and the first render after it
  // puts the default back — an operator would pause one DAG and unpause another. The form opens once live.
  const interactive = useIsBrowser();
  const [confirm, setConfirm] = useState('');
  const formRef = useRef<HTMLFormElement>(null);
  const { pathname } = useLocation();
  const linked = useLinkedBlock(spec, useCallback((v: Readonly<Record<string, string>>) => setEdits((e) => ({ ...e, ...v })), []));

  // `today` is the pipeline zone's day, as the server resolves it, not the reader's.
  const timezone = spec.timezone ?? 'UTC';
  const zoneDates = useZoneDates(timezone);
  const values: Record<string, string> = {};
  for (const p of spec.params) values[p.name] = edits[p.name] ?? defaultValue(p, zoneDates);
  // What Run would send; the approval must cover exactly this. Keyed by its content so it stays stable.
  const wireParams: Record<string, string> = {};
  for (const p of spec.params) wireParams[p.name] = wireValue(p, values[p.name] ?? '');
  const fromLink = new Set(spec.params.filter((p) => linked.linkValues[p.name] !== undefined && linked.linkValues[p.name] === values[p.name]).map((p) => p.name));
  const intentKey = variant && env ? JSON.stringify([variant.key, variant.sha256, env.name, wireParams]) : null;
  const intent = useMemo<RunIntent | null>(() => {
    if (!intentKey) return null;
    const [snippet, sha256, envName, params] = JSON.parse(intentKey) as [string, string, string, Record<string, string>];
    return { snippet, sha256, env: envName, params };
  }, [intentKey]);

  const escalationStep = spec.role === 'escalation';
  const airflow = useAirflowBlock(spec, variant?.code ?? '', view, intentKey);
  const keys = useMemo(() => spec.variants.map((v) => v.key), [spec]);
  const reported = useReportedCheck(keys);
  const escalation = useEscalation(escalationStep, keys, intent, spec.params);

  const needsConfirm = spec.mode === 'write' && env?.production === true;
  const running = view.status === 'running';
  const approvalBlocked = escalationStep && escalation.usableApproval === null ? APPROVAL_BLOCKED[escalation.state] : null;
  const blocked =
    envBlocked ?? approvalBlocked ?? (needsConfirm && confirm !== env?.name ? `Type ${env?.name} to confirm a production write.` : null);
  const snippetKey = variant?.key ?? `${spec.runbook}/${spec.id}`;

  const onParamChange = useCallback((name: string, value: string) => setEdits((e) => ({ ...e, [name]: value })), []);

  // The run that spent an approval: refused before it started (`rejected`) means it may still be good.
  const sentApproval = useRef<string | null>(null);
  const done = view.done;
  const { setSpent, refresh } = escalation;
  useEffect(() => {
    const id = sentApproval.current;
    if (!done || !id) return;
    sentApproval.current = null;
    if (done.status === 'rejected') setSpent(id, false);
    refresh();
  }, [done, setSpent, refresh]);

  /** Runs the block; `preview` asks for a clear's dry run, which lists and changes nothing. */
  const launch = (preview: boolean): void => {
    if (!variant || !env || blocked || running) return;
    const approval = escalationStep ? escalation.usableApproval : null;
    if (escalationStep && !approval) return;
    run.start(
      {
        snippet: variant.key,
        sha256: variant.sha256,
        env: env.name,
        params: wireParams,
        ...(approval ? { approval } : {}),
        ...(needsConfirm ? { confirm } : {}),
        ...(preview ? { preview: true } : {}),
        // The operator saw the trigger's preview (or an approver approved it): the server may start the run.
        ...(!preview && (airflow.command === 'dags trigger' || airflow.systemWrite) ? { confirmed: true } : {}),
      },
      { env: env.name, envLabel: env.label, production: env.production, target: spec.target },
    );
    // The block's own run replaces what Run all checks left here.
    for (const key of keys) clearCheckResult(key);
    if (approval) {
      sentApproval.current = approval;
      setSpent(approval, true);
    }
    if (preview) airflow.remember(intentKey);
    // A dry run is checked like the write it stands for; keep the typed confirmation for the clear itself.
    if (needsConfirm && !preview) setConfirm('');
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    launch(airflow.dryRunFirst);
  };

  const onRequest = useCallback(
    async (reason: string): Promise<boolean> => {
      // The request binds the parameters: let the browser check them first, as Run would.
      if (formRef.current && !formRef.current.reportValidity()) return false;
      if (!intent) return false;
      return escalation.request(intent, reason);
    },
    [escalation, intent],
  );

  const formId = `${idPrefix}-run`;
  const cannotRequest = envBlocked ?? (!escalation.signedIn ? 'Sign in to request an approval.' : null);

  const error = done?.error && done.status !== 'cancelled' ? done.error : null;
  const write = writeOutcome(done);
  // Cancelling a followed run stops the watching only: say so, since the run goes on in Airflow.
  const stoppedNote = airflow.follows && done?.status === 'cancelled' && done.error ? done.error.message : null;
  const stopLabel = airflow.follows && !(running && view.preview) ? 'Stop following' : 'Cancel';
  const idleHint = !airflow.dryRunFirst
    ? null
    : airflow.systemWrite
      ? 'Run shows what it would do first; nothing happens until you confirm.'
      : airflow.command === 'dags trigger'
      ? 'Run shows the DAG run it would start first; nothing starts until you confirm.'
      : 'Run lists the task instances first; nothing is cleared until you confirm.';
  // A result the server kept is read from there once the run ends; until then the streamed rows show.
  const results = view.kept && !running
    ? <KeptGrid base={base} kept={view.kept} columns={view.columns} firstRows={run.rows} />
    : <ResultGrid columns={view.columns} rows={run.rows} rowCount={view.rowCount} streaming={running} />;

  return (
    <div
      ref={linked.rootRef}
      id={blockAnchor(spec.id)}
      className={clsx(styles.block, spec.mode === 'write' && styles.blockWrite, env?.production && styles.blockProd, linked.targeted && styles.blockLinked)}
      data-snippet={snippetKey}
      data-linked={linked.targeted ? 'true' : undefined}
      data-status={view.status}
      data-mode={spec.mode}
      data-approval={escalationStep ? escalation.state : undefined}
      data-airflow-state={airflow.runState ?? undefined}
      data-clear={airflow.stage !== 'off' ? airflow.stage : undefined}
      data-write={write?.tone}
    >
      <Header spec={spec} snippetKey={snippetKey} dialect={variant?.dialect ?? null} />
      {variant ? (
        <div className={styles.code}>
          <Code language={spec.lang === 'sql' ? 'sql' : 'bash'} code={variant.code} />
        </div>
      ) : (
        <p className={styles.noVariant}>{envBlocked}</p>
      )}
      <div className={styles.controls}>
        <form id={formId} ref={formRef} onSubmit={onSubmit} className={styles.runForm}>
          <Params idPrefix={idPrefix} params={spec.params} values={values} disabled={running || !interactive} onChange={onParamChange} timezone={timezone} fromLink={fromLink} />
          {needsConfirm ? (
            <div className={styles.confirm}>
              <label htmlFor={`${idPrefix}-confirm`}>
                Production write: type <code>{env?.name}</code> to confirm
              </label>
              <input
                id={`${idPrefix}-confirm`}
                className={styles.paramInput}
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                disabled={running}
              />
            </div>
          ) : null}
        </form>
        {escalationStep ? (
          <ApprovalPanel idPrefix={idPrefix} escalation={escalation} approverRole={spec.approver} cannotRequest={cannotRequest} onRequest={onRequest} />
        ) : null}
        <div className={styles.toolbar}>
          <button type="submit" form={formId} className={clsx(styles.button, styles.runButton)} disabled={running || blocked !== null || !variant}>
            <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12">
              <path fill="currentColor" d="M4 2.5v11l9-5.5-9-5.5Z" />
            </svg>
            Run
          </button>
          <button type="button" className={styles.button} disabled={!running} onClick={run.cancel}>
            {stopLabel}
          </button>
          {/* Without a variant the reason is already the block's body. */}
          <CopyLink target={{ path: pathname, env: env?.name ?? null, params: wireParams, anchor: blockAnchor(spec.id) }} />
          <StatusLine view={view} word={statusWord(view, airflow)} command={airflow.command} write={write} env={env} blocked={variant ? blocked : null} hint={idleHint} />
        </div>
      </div>
      {done?.check ? <CheckBadge check={done.check} rowCount={view.rowCount} truncated={done.truncated} sample={sampleOf(spec)} /> : null}
      {write?.sentence ? (
        <div role="alert" className={styles.writeWarning} data-write-warning={write.tone}>
          <strong className={styles.writeWarningTitle}>{write.tone === 'nothing' ? `⚠ Succeeded · ${write.count}` : '↺ Rolled back · nothing changed'}</strong>
          <span>{write.sentence}</span>
        </div>
      ) : null}
      <PartialOutput done={done} />
      {done?.warning ? (
        // The run happened; what is in doubt is its audit record — the operator must know before relying on it.
        <div role="alert" className={styles.writeWarning} data-audit-warning={done.warning.code}>
          <strong className={styles.writeWarningTitle}>{done.warning.code === 'audit_pending' ? '⚠ Audit record pending' : '⚠ Audit record lost'}</strong>
          <span>{done.warning.message}</span>
        </div>
      ) : null}
      {error ? (
        <div role="alert" className={styles.alert}>
          <div className={styles.alertTitle}>
            <strong>{STATUS_TEXT[view.status]}</strong> <code className={styles.errorCode}>{error.code}</code>
          </div>
          {/* Database messages are often several lines with a caret under the culprit: keep their layout. */}
          <div className={styles.errorMessage}>{error.message}</div>
          {error.hint ? <div className={styles.hint}>Hint: {error.hint}</div> : null}
          {view.target ? (
            <div className={styles.errorSource}>
              from {view.target.envLabel} ({view.target.env}) · target {view.target.target}
            </div>
          ) : null}
        </div>
      ) : null}
      {stoppedNote ? <p className={styles.stoppedNote}>{stoppedNote}</p> : null}
      {reported && view.status === 'idle' ? <ReportedCheck result={reported} /> : null}
      <TaskGrid runs={view.airflow} />
      <RequiredActions runs={view.airflow} target={intent} escalation={escalationStep} {...(needsConfirm ? { confirm } : {})} />
      {airflow.systemWrite && airflow.stage !== 'off' && airflow.stage !== 'failed' ? (
        <SystemPreview stage={airflow.stage} system={HEADER_LABEL[spec.lang] ?? spec.lang} blocked={blocked} onConfirm={() => launch(false)}>
          {results}
        </SystemPreview>
      ) : airflow.stage !== 'off' && airflow.stage !== 'failed' ? (
        <ClearPreview
          stage={airflow.stage}
          count={view.rowCount}
          kind={airflow.command === 'dags trigger' ? 'trigger' : 'clear'}
          trigger={airflow.stage === 'confirm' && airflow.command === 'dags trigger' ? triggerPlan(view.columns, run.rows) : null}
          groups={airflow.stage === 'confirm' && airflow.command !== 'dags trigger' ? clearGroups(view.columns, run.rows, view.rowCount) : []}
          blocked={blocked}
          onConfirm={() => launch(false)}
        >
          {results}
        </ClearPreview>
      ) : (
        results
      )}
      {view.status !== 'idle' ? <Terminal transcript={run.transcript} /> : null}
    </div>
  );
}
