import type { ReactNode } from 'react';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { inputKind } from './params';
import styles from './styles.module.css';

interface Props {
  readonly idPrefix: string;
  readonly params: readonly ParamSpec[];
  readonly values: Readonly<Record<string, string>>;
  readonly disabled: boolean;
  /** The runbook's pipeline zone: said beside a date whose default is today/yesterday, so nobody reads it as theirs. */
  readonly timezone: string;
  /** Parameters whose value is still the one a deep link gave: marked "from link". */
  readonly fromLink?: ReadonlySet<string>;
  onChange(name: string, value: string): void;
}

/** One labelled input per declared parameter; the browser validates types and required values. */
export default function Params({ idPrefix, params, values, disabled, timezone, fromLink, onChange }: Props): ReactNode {
  if (params.length === 0) return null;
  return (
    <fieldset className={styles.params} disabled={disabled}>
      <legend className={styles.srOnly}>Parameters</legend>
      {params.map((param) => {
        const id = `${idPrefix}-param-${param.name}`;
        const kind = inputKind(param.type);
        const value = values[param.name] ?? '';
        const required = param.default === null;
        const common = {
          id,
          name: param.name,
          required,
          className: styles.paramInput,
        };
        let input: ReactNode;
        switch (kind.kind) {
          case 'enum':
            input = (
              <select {...common} value={value} onChange={(e) => onChange(param.name, e.target.value)}>
                {kind.values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            );
            break;
          case 'date':
          case 'datetime':
            input = (
              <input
                {...common}
                type={kind.kind === 'date' ? 'date' : 'datetime-local'}
                value={value}
                onChange={(e) => onChange(param.name, e.target.value)}
              />
            );
            break;
          case 'int':
          case 'number':
            input = (
              <input
                {...common}
                type="number"
                inputMode={kind.kind === 'int' ? 'numeric' : 'decimal'}
                step={kind.kind === 'int' ? 1 : 'any'}
                value={value}
                onChange={(e) => onChange(param.name, e.target.value)}
              />
            );
            break;
          default:
            input = (
              <input
                {...common}
                type="text"
                spellCheck={false}
                autoComplete="off"
                {...(kind.kind === 'identifier'
                  ? { pattern: '[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)*', title: 'A name: letters, digits and _, optionally dotted' }
                  : {})}
                value={value}
                onChange={(e) => onChange(param.name, e.target.value)}
              />
            );
        }
        return (
          <div key={param.name} className={styles.param}>
            <label htmlFor={id} className={styles.paramLabel}>
              {param.name}
              <span className={styles.paramType} aria-hidden="true">
                {param.type}
              </span>
              {fromLink?.has(param.name) ? (
                <span className={styles.fromLink} data-from-link="true" title="This value came from the link you opened">
                  from link
                </span>
              ) : param.default === 'today' || param.default === 'yesterday' ? (
                <span className={styles.paramZone} data-zone={timezone}>
                  {param.default} in {timezone}
                </span>
              ) : null}
            </label>
            {input}
          </div>
        );
      })}
    </fieldset>
  );
}
