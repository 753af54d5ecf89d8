/**
 * Reads a runbook's mdast (with directive nodes) into steps and runnable blocks, collecting every
 * authoring error with its position. The remark plugin, the manifest writer and the linter all call this,
 * so what the site shows, what the server may run and what the linter checks cannot drift apart.
 */
import type { Dialect, Lang, Mode, ParamSpec, Role } from './types';
import type { CodeNode, DirectiveNode, MdNode, Point } from './mdast';
import { isDirective, startOf, toText } from './mdast';
import type { Diagnostic } from './syntax/diagnostics';
import { readRunbookFrontMatter, type RunbookFrontMatter } from './frontMatter';
import { parseInfoAttributes } from './syntax/infoString';
import { parseParamDeclarations } from './syntax/params';
import { parseExpect } from './syntax/expect';
import { countsRows, isConditionError, parseCondition } from './syntax/condition';
import { DEFAULT_TIMEZONE } from './syntax/zonedDate';
import { findPlaceholders } from './syntax/sqlPlaceholders';
import { sqlVerdict } from './syntax/sqlKind';
import { airflowCommandOf, findTemplateParams } from './syntax/airflowCommand';
import { SYSTEM_GRAMMARS, systemGrammar } from './syntax/systems/index';
import { checkCommand } from './syntax/systems/grammar';
import { article } from './syntax/airflow/tokenize';

/** Container directives Docusaurus renders as admonitions; everything else but `step` is an error. */
export const ADMONITIONS = new Set(['note', 'tip', 'info', 'warning', 'danger', 'caution', 'important', 'success']);
const STEP_ATTRIBUTES = new Set(['id', 'role', 'approver', 'duration']);
const BLOCK_ATTRIBUTES = new Set(['id', 'target', 'envs', 'mode', 'params', 'expect', 'warn', 'error', 'sample', 'title', 'dialect']);
/** Failing rows a check shows at most, whatever `sample` asks (the run's row limit applies too). */
const MAX_SAMPLE = 10_000;
const DIALECTS: readonly Dialect[] = ['duckdb', 'postgres', 'snowflake', 'oracle', 'sqlserver', 'databricks'];
const ID = /^[a-z0-9][a-z0-9_-]*$/;
const DURATION = /^\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?\s*(?:s|m|min|h|d)$/;

export interface StepInfo {
  readonly id: string;
  readonly title: string;
  readonly role: Role;
  /** The approver role for escalation steps (the step's own, else the runbook's); null for service-team. */
  readonly approver: string | null;
  readonly duration: string | null;
  readonly node: DirectiveNode;
}

export interface BlockInfo {
  readonly id: string;
  readonly step: StepInfo;
  readonly lang: Lang;
  readonly target: string;
  readonly envs: readonly string[];
  readonly mode: Mode;
  readonly params: readonly ParamSpec[];
  readonly expect: string | null;
  /** Check conditions (issue 11): when the check warns, when it errors; null when not given. */
  readonly warn: string | null;
  readonly error: string | null;
  /** Failing rows to show at most (`sample=N`); null for the run's row limit. */
  readonly sample: number | null;
  readonly title: string | null;
  readonly dialect: Dialect | null;
  /** The runbook's pipeline time zone (`runbook.timezone`, default UTC): where `today` is resolved. */
  readonly timezone: string;
  readonly text: string;
  readonly line: number;
  readonly node: CodeNode;
}

export interface ExtractedRunbook {
  /** null when the page has no `runbook:` front matter (or it is invalid). */
  readonly runbook: RunbookFrontMatter | null;
  readonly steps: readonly StepInfo[];
  readonly blocks: readonly BlockInfo[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface ExtractInput {
  readonly tree: MdNode;
  readonly frontMatter: Record<string, unknown> | undefined;
  /** Path shown in diagnostics (relative to the site). */
  readonly file: string;
  /** The source text, used to point at the exact column of a fence attribute. */
  readonly source?: string;
}

export function extractRunbook(input: ExtractInput): ExtractedRunbook {
  const diagnostics: Diagnostic[] = [];
  const report = (at: Point, message: string, severity: Diagnostic['severity'] = 'error') =>
    diagnostics.push({ severity, file: input.file, line: at.line, column: at.column, message });

  const sourceLines = input.source?.split('\n');
  const fm = readRunbookFrontMatter(input.frontMatter);
  if (fm.kind === 'invalid') for (const issue of fm.issues) report(frontMatterFieldAt(sourceLines, issue.field), issue.message);
  const runbook = fm.kind === 'runbook' ? fm.runbook : null;
  const timezone = runbook?.timezone ?? DEFAULT_TIMEZONE;

  const steps: StepInfo[] = [];
  const blocks: BlockInfo[] = [];

  /** Column of `needle` inside the fence line of `node`, for precise attribute errors. */
  const columnIn = (node: MdNode, needle: string): Point => {
    const start = startOf(node);
    const line = sourceLines?.[start.line - 1];
    const index = line ? line.indexOf(needle) : -1;
    return index >= 0 ? { line: start.line, column: index + 1 } : start;
  };

  const readStep = (node: DirectiveNode): StepInfo | null => {
    const at = startOf(node);
    const attrs = node.attributes ?? {};
    let ok = true;
    for (const name of Object.keys(attrs)) {
      if (name === 'class') {
        report(at, `Step attribute ".${attrs[name]}" is not supported; steps take #id, role, approver and duration.`);
        ok = false;
      } else if (!STEP_ATTRIBUTES.has(name)) {
        report(at, `Unknown step attribute "${name}". Steps take {#id role="service-team|escalation" approver="…" duration="10m"}.`);
        ok = false;
      }
    }
    const id = attrs.id ?? '';
    if (!id) {
      report(at, 'This step has no id. Add a stable one, e.g. :::step[Title]{#verify-ldz role="service-team"}; the audit log and the manifest refer to it.');
      ok = false;
    } else if (!ID.test(id)) {
      report(at, `Step id "${id}" must be lowercase letters, digits, - or _ (e.g. verify-ldz).`);
      ok = false;
    }
    const role = attrs.role;
    if (role === undefined || role === null || role === '') {
      report(at, `Step "${id || '(no id)'}" has no role. Add role="service-team" if the Service Implementation Team may perform it, or role="escalation" if it needs an approval first.`);
      ok = false;
    } else if (role !== 'service-team' && role !== 'escalation') {
      report(at, `Step "${id}" has role="${role}"; the role must be "service-team" or "escalation".`);
      ok = false;
    }
    const ownApprover = attrs.approver ?? null;
    if (ownApprover !== null && role === 'service-team') {
      report(at, `Step "${id}" is a service-team step but names approver="${ownApprover}"; only escalation steps have approvers. Remove it or make the step role="escalation".`);
      ok = false;
    }
    const approver = role === 'escalation' ? (ownApprover ?? runbook?.approver ?? null) : null;
    if (role === 'escalation' && !approver && runbook) {
      report(at, `Escalation step "${id}" has no approver. Set approver="…" on the step or runbook.approver in the front matter.`);
      ok = false;
    }
    const duration = attrs.duration ?? null;
    if (duration !== null && !DURATION.test(duration)) {
      report(at, `Step "${id}" has duration="${duration}"; write a duration like 30s, 10m, 5-10m or 1h.`);
      ok = false;
    }
    const label = node.children.find((c) => c.data?.directiveLabel === true);
    const title = label ? toText(label).trim() : '';
    if (!title) {
      report(at, `Step "${id}" has no title. Write it in brackets: :::step[Verify the LDZ load]{#${id || 'step-id'} …}.`);
      ok = false;
    }
    if (!ok) return null;
    return { id, title, role: role as Role, approver, duration, node };
  };

  const readBlock = (node: CodeNode, step: StepInfo | null, indexInStep: number): void => {
    const lang = node.lang as Lang;
    const meta = (node.meta ?? '').trim();
    const at = startOf(node);
    if (!step) {
      report(at, `This runnable ${lang} block is outside any step. Put it inside a :::step so it has a role (service-team or escalation).`);
      return;
    }
    const attrText = meta.replace(/^run\b/, '');
    const parsed = parseInfoAttributes(attrText);
    if (!parsed.ok) {
      report(columnIn(node, attrText.slice(parsed.offset, parsed.offset + 8) || 'run'), parsed.message);
      return;
    }
    const attrs = new Map<string, string>();
    let ok = true;
    for (const a of parsed.attributes) {
      const where = columnIn(node, `${a.name}=`);
      if (!BLOCK_ATTRIBUTES.has(a.name)) {
        report(where, `Unknown attribute "${a.name}" on a runnable block. Allowed: ${[...BLOCK_ATTRIBUTES].join(', ')}.`);
        ok = false;
      } else if (attrs.has(a.name)) {
        report(where, `Attribute "${a.name}" is given twice; keep one.`);
        ok = false;
      } else attrs.set(a.name, a.value);
    }
    const attrAt = (name: string) => columnIn(node, `${name}=`);
    /** Where a character of an attribute's value is: the column of a mistake inside a condition. */
    const valueAt = (name: string, offset: number): Point => {
      const at = attrAt(name);
      const line = sourceLines?.[at.line - 1] ?? '';
      const quote = line[at.column - 1 + name.length + 1];
      return { line: at.line, column: at.column + name.length + 1 + (quote === '"' || quote === "'" ? 1 : 0) + offset };
    };
    const id = attrs.get('id') ?? `${step.id}-${indexInStep}`;
    if (!ID.test(id)) {
      report(attrAt('id'), `Snippet id "${id}" must be lowercase letters, digits, - or _.`);
      ok = false;
    }
    const system = systemGrammar(lang);
    /** How messages name what the block holds. */
    const holds = lang === 'sql' ? 'SQL' : system ? `${system.label} command` : 'Airflow command';
    const target = attrs.get('target') ?? (lang === 'sql' ? 'warehouse' : system ? system.defaultTarget : 'airflow');
    if (!/^[A-Za-z_][\w-]*$/.test(target)) {
      report(attrAt('target'), `target="${target}" is not a connection name (letters, digits, _ or -).`);
      ok = false;
    }
    const envs = (attrs.get('envs') ?? '*').split(',').map((e) => e.trim()).filter(Boolean);
    if (envs.length === 0 || envs.some((e) => e !== '*' && !/^[A-Za-z_][\w-]*$/.test(e))) {
      report(attrAt('envs'), `envs="${attrs.get('envs')}" must be a comma-separated list of environment names, e.g. envs="demo,dev".`);
      ok = false;
    }
    let mode = attrs.get('mode') ?? 'read';
    if (mode !== 'read' && mode !== 'write') {
      report(attrAt('mode'), `mode="${mode}" must be "read" or "write".`);
      ok = false;
    }
    const dialect = attrs.get('dialect') ?? null;
    if (dialect !== null && !(DIALECTS as readonly string[]).includes(dialect)) {
      report(attrAt('dialect'), `dialect="${dialect}" is not an engine; use one of ${DIALECTS.join(', ')}.`);
      ok = false;
    }
    const { params, errors } = parseParamDeclarations(attrs.get('params') ?? '');
    for (const e of errors) report(attrAt('params'), e);
    if (errors.length) ok = false;
    const expect = attrs.get('expect') ?? null;
    const conditions: Record<'warn' | 'error', string | null> = { warn: attrs.get('warn') ?? null, error: attrs.get('error') ?? null };
    /**
     * Checks the block's conditions once its mode is known (a system or Airflow command's mode is its command's):
     * a read's conditions judge what it returned — a query's rows, or a command's grid — and a write's `expect`
     * guards the rows it changed (SQL only; a system write reports its own success).
     */
    const checkConditions = (blockMode: string): boolean => {
      let fine = true;
      const command = lang !== 'sql';
      const given = (['expect', 'warn', 'error'] as const).filter((n) => (n === 'expect' ? expect : conditions[n]) !== null);
      if (command && blockMode === 'write') {
        for (const name of given) {
          report(attrAt(name), `${name}= is a check on what a read returns; this ${holds} changes something (mode=write) and reports its own success. Put the check on a read command${system ? ` (${system.commands.filter((c) => !c.write).map((c) => `${system.program} ${c.words.join(' ')}`).join(', ') || 'none'})` : ' (dags list-runs, tasks states-for-dag-run)'}.`);
          fine = false;
        }
        return fine;
      }
      for (const name of given) {
        const textOf = (name === 'expect' ? expect : conditions[name])!;
        const legacy = name === 'expect' ? parseExpect(textOf) : null;
        if (legacy && !('error' in legacy)) {
          if (legacy.subject === 'affected' && blockMode !== 'write') {
            report(attrAt(name), `expect="${textOf}" checks rows changed, but this block is mode=${blockMode}: a read changes nothing. ${command ? 'Check rows or value instead.' : 'Add mode=write, or check rows/value instead.'}`);
            fine = false;
          }
          continue;
        }
        if (name !== 'expect' && lang === 'sql' && blockMode !== 'read') {
          report(attrAt(name), `${name}= is a check on what a read SQL block returns; this block is mode=${blockMode}. Put the check on a read query.`);
          fine = false;
          continue;
        }
        const condition = parseCondition(textOf, name === 'expect');
        if (isConditionError(condition)) {
          report(valueAt(name, condition.offset), `${name}="${textOf}" is not a check: ${condition.error}`);
          fine = false;
        } else if (!command && countsRows(condition.condition)) {
          report(valueAt(name, textOf.indexOf('count')), `${name}="${textOf}": count(…) counts the rows of a system or Airflow block's result; a SQL check counts in its query, e.g. select count(*) filter (where status = 'error') as failing … with ${name}="value = 0".`);
          fine = false;
        }
      }
      return fine;
    };
    if (lang === 'sql' && !checkConditions(mode)) ok = false;
    const sampleText = attrs.get('sample') ?? null;
    const sample = sampleText === null ? null : Number(sampleText);
    if (sampleText !== null && lang !== 'sql') {
      report(attrAt('sample'), `sample= limits the failing rows a SQL check shows; ${article(holds)} shows its whole result. Remove sample.`);
      ok = false;
    } else if (sampleText !== null && (!/^\d+$/.test(sampleText) || sample! < 1 || sample! > MAX_SAMPLE)) {
      report(attrAt('sample'), `sample="${sampleText}" must be a whole number of failing rows to show, 1 to ${MAX_SAMPLE}, e.g. sample=50.`);
      ok = false;
    } else if (sampleText !== null && !expect && !conditions.warn && !conditions.error) {
      report(attrAt('sample'), 'sample= limits the failing rows a check shows; this block has no expect, warn or error. Add the check, or remove sample.');
      ok = false;
    }
    const text = node.value;
    if (text.trim() === '') {
      report(at, `Runnable block "${id}" is empty; write the ${holds} to run.`);
      ok = false;
    }
    const declared = new Set(params.map((p) => p.name));
    const used = lang === 'sql' ? findPlaceholders(text).map((p) => p.name) : findTemplateParams(text);
    for (const name of new Set(used)) {
      if (!declared.has(name)) {
        const offset = text.split('\n').findIndex((l) => l.includes(lang === 'sql' ? `:${name}` : name));
        const line = at.line + 1 + Math.max(0, offset);
        report({ line, column: 1 }, `Parameter "${name}" is used but not declared. Add it to params, e.g. params="${name}:date=today" (types: date, datetime, int, number, string, identifier, enum(a|b)).`);
        ok = false;
      }
    }
    for (const p of params) {
      if (!used.includes(p.name)) report(attrAt('params'), `Parameter "${p.name}" is declared but never used in the ${lang === 'sql' ? 'SQL (write :' + p.name + ')' : 'command (write {{' + p.name + '}})'}.`, 'warning');
    }
    if (lang === 'sql') {
      // The same verdict the server applies at run time (server/execution/policy.ts).
      const verdict = sqlVerdict(text, { role: step.role, mode: mode as Mode });
      if (verdict.refusal) {
        report(at, `Snippet "${id}": ${verdict.refusal.message} ${verdict.refusal.hint}`);
        ok = false;
      }
      for (const warning of verdict.warnings) report(at, `Snippet "${id}": ${warning}`, 'warning');
    } else {
      const command = system ? checkCommand(system, text, params) : airflowCommandOf(text, params);
      if ('error' in command) {
        report({ line: at.line + 1 + command.lineOffset, column: command.column }, command.error);
        ok = false;
      } else if (command.write) mode = 'write'; // Airflow and system writes are writes whatever the fence says (§6.3)
      if (!checkConditions(mode)) ok = false;
    }
    if (!ok) return;
    blocks.push({
      id,
      step,
      lang,
      target,
      envs,
      mode: mode as Mode,
      params,
      expect,
      warn: conditions.warn,
      error: conditions.error,
      sample,
      title: attrs.get('title') ?? null,
      dialect: dialect as Dialect | null,
      timezone,
      text,
      line: at.line,
      node,
    });
  };

  const walk = (node: MdNode, step: StepInfo | null, counter: { n: number }): void => {
    for (const child of node.children ?? []) {
      if (isDirective(child)) {
        if (child.type === 'containerDirective' && child.name === 'step') {
          if (step) {
            report(startOf(child), `Step inside step "${step.id}": steps cannot nest. Close the outer step (:::) before opening the next one.`);
            continue;
          }
          if (!runbook && fm.kind === 'page') {
            report(startOf(child), 'This page has steps but no runbook front matter. Add a runbook: block (id, system, approver …) to the front matter.');
          }
          const info = readStep(child);
          if (info) steps.push(info);
          walk(child, info, { n: 0 });
          continue;
        }
        if (child.type === 'containerDirective' && ADMONITIONS.has(child.name)) {
          walk(child, step, counter);
          continue;
        }
        const marker = child.type === 'containerDirective' ? ':::' : child.type === 'leafDirective' ? '::' : ':';
        report(
          startOf(child),
          child.type === 'textDirective'
            ? `Unknown inline directive ":${child.name}". If this is plain text, escape the colon (\\:${child.name}) or put it in a code span.`
            : `Unknown directive "${marker}${child.name}". Use :::step for steps or an admonition (${[...ADMONITIONS].join(', ')}).`,
        );
        continue;
      }
      const strayLine = child.type === 'paragraph' ? toText(child).split('\n').findIndex((l) => /^\s*:{3,}\s*$/.test(l)) : -1;
      if (strayLine >= 0) {
        report(
          { line: startOf(child).line + strayLine, column: 1 },
          'A stray ":::" closes nothing: a nested directive closed the step early. Open the outer step with more colons (::::step … :::warning … ::: … ::::).',
        );
        continue;
      }
      if (child.type === 'code') {
        const code = child as CodeNode;
        const isRunnable = (code.lang === 'sql' || code.lang === 'airflow' || systemGrammar(code.lang) !== null) && /^run(\s|$)/.test(code.meta ?? '');
        if (isRunnable) {
          counter.n += 1;
          readBlock(code, step, counter.n);
        } else if (code.lang === 'airflow' || /^run(\s|$)/.test(code.meta ?? '')) {
          if (code.lang !== 'sql' && /^run(\s|$)/.test(code.meta ?? '')) {
            report(startOf(code), `"${code.lang ?? ''} run" is not runnable; only ${['sql', 'airflow', ...Object.keys(SYSTEM_GRAMMARS)].join(', ')} blocks run. Remove "run" to show it as plain code.`);
          }
        }
        continue;
      }
      walk(child, step, counter);
    }
  };
  walk(input.tree, null, { n: 0 });

  checkIds(steps, blocks, report);
  if (runbook?.engines) checkEngines(runbook.engines, blocks, report);
  if (fm.kind === 'page' && blocks.length > 0) {
    report(startOf(blocks[0]!.node), 'This page has runnable blocks but no runbook front matter; add a runbook: block with an id.');
  }
  return { runbook, steps, blocks, diagnostics };
}

/** A runbook that declares engines needs, for every SQL snippet, a variant for each engine or a fallback. */
function checkEngines(engines: readonly Dialect[], blocks: readonly BlockInfo[], report: (at: Point, m: string) => void): void {
  const byId = new Map<string, BlockInfo[]>();
  for (const b of blocks) if (b.lang === 'sql') byId.set(b.id, [...(byId.get(b.id) ?? []), b]);
  for (const [id, variants] of byId) {
    if (variants.some((v) => v.dialect === null)) continue;
    const missing = engines.filter((e) => !variants.some((v) => v.dialect === e));
    if (missing.length) {
      report(startOf(variants[0]!.node), `Snippet "${id}" has no variant for ${missing.join(', ')}, which this runbook declares in engines. Add a block with dialect=${missing[0]} and the same id, or a fallback block without dialect.`);
    }
  }
}

/** Ids must be unique; a repeated block id is allowed only for dialect variants within one step. */
function checkIds(steps: readonly StepInfo[], blocks: BlockInfo[], report: (at: Point, m: string) => void): void {
  const stepIds = new Map<string, StepInfo>();
  for (const s of steps) {
    const prior = stepIds.get(s.id);
    if (prior) report(startOf(s.node), `Step id "${s.id}" is already used at line ${startOf(prior.node).line}; step ids must be unique in a runbook.`);
    else stepIds.set(s.id, s);
  }
  const seen = new Map<string, BlockInfo>();
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const prior = seen.get(b.id);
    if (!prior) {
      seen.set(b.id, b);
      continue;
    }
    let problem: string | null = null;
    if (prior.step !== b.step) problem = `Snippet id "${b.id}" is already used at line ${prior.line}; ids must be unique in a runbook (dialect variants share an id only within one step).`;
    else if (prior.dialect === null && b.dialect === null) problem = `Snippet id "${b.id}" is already used at line ${prior.line}. Give this block its own id, or a dialect=… if it is the same check for another engine.`;
    else if (blocks.some((o, j) => j < i && o.id === b.id && o.dialect === b.dialect)) problem = `Snippet "${b.id}" has two variants for dialect ${b.dialect ?? '(fallback)'}; keep one.`;
    else if (JSON.stringify(prior.params) !== JSON.stringify(b.params) || prior.mode !== b.mode || prior.expect !== b.expect || prior.warn !== b.warn || prior.error !== b.error || prior.sample !== b.sample || prior.target !== b.target) {
      problem = `Variants of snippet "${b.id}" must share params, mode, expect, warn, error, sample and target (line ${prior.line} differs); only the SQL changes per dialect.`;
    }
    if (problem) {
      report(startOf(b.node), problem);
      blocks.splice(i, 1);
      i--;
    }
  }
}

/**
 * Where a front-matter field is written (`  timezone: …` under `runbook:`), so its error points at the
 * line; the whole front matter's first line when it cannot be found.
 */
function frontMatterFieldAt(lines: readonly string[] | undefined, field: string): Point {
  if (!lines || lines[0]?.trim() !== '---' || !field) return { line: 1, column: 1 };
  for (let i = 1; i < lines.length && lines[i]!.trim() !== '---'; i++) {
    const m = new RegExp(`^(\\s+)${field}\\s*:`).exec(lines[i]!);
    if (m) return { line: i + 1, column: m[1]!.length + 1 };
  }
  return { line: 1, column: 1 };
}
