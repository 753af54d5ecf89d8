/**
 * Validates the parameters a page sends against the snippet's declarations and coerces them to typed
 * values for the driver. Unknown names, missing required values and bad values are `invalid_params`.
 * `today`/`yesterday` are the dates in the runbook's pipeline zone, resolved here on the server, so the
 * reader's browser zone never decides which data day a batch check looks at.
 */
import type { ParamSpec } from '../../plugins/remark-runbook/types';
import { coerceParamValue, parseParamType, type BoundValue } from '../../plugins/remark-runbook/syntax/params';
import { DEFAULT_TIMEZONE } from '../../plugins/remark-runbook/syntax/zonedDate';
import type { ParamValue } from '../protocol';

export type BindResult =
  | { readonly ok: true; readonly binds: Record<string, BoundValue>; readonly resolved: Record<string, string | number> }
  | { readonly ok: false; readonly message: string };

/**
 * `timeZone` is the runbook's (the manifest entry's `timezone`), deliberately not optional: every caller that
 * binds a snippet — a run, an approval request, a drill check — must resolve `today` in the same zone, or an
 * approval bound to one date would not match the run that resolves another.
 */
export function bindParams(specs: readonly ParamSpec[], sent: Readonly<Record<string, ParamValue>>, now: Date, timeZone: string | undefined): BindResult {
  timeZone ??= DEFAULT_TIMEZONE;
  const problems: string[] = [];
  const binds: Record<string, BoundValue> = {};
  const resolved: Record<string, string | number> = {};
  for (const name of Object.keys(sent)) {
    if (!specs.some((s) => s.name === name)) problems.push(`"${name}" is not a parameter of this snippet`);
  }
  for (const spec of specs) {
    const type = parseParamType(spec.type);
    if ('error' in type) {
      problems.push(`"${spec.name}" has an invalid type in the manifest`);
      continue;
    }
    const raw = sent[spec.name];
    const value = raw === undefined || raw === null || raw === '' ? spec.default : raw;
    if (value === null) {
      problems.push(`"${spec.name}" is required`);
      continue;
    }
    const coerced = coerceParamValue(type, value, now, timeZone);
    if (!coerced.ok) problems.push(`"${spec.name}": ${coerced.message}`);
    else {
      binds[spec.name] = coerced.bound;
      resolved[spec.name] = coerced.bound.value;
    }
  }
  if (problems.length) return { ok: false, message: `Invalid parameters: ${problems.join('; ')}.` };
  return { ok: true, binds, resolved };
}
