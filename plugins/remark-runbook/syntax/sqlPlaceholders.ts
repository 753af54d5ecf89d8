/**
 * Finds `:name` placeholders in SQL, skipping string literals, quoted identifiers, dollar-quoted bodies,
 * comments and `::` casts, and rewrites them to each driver's bind syntax. The plugin uses it to check
 * that every placeholder is declared; the connectors use it to bind — values never enter the text.
 */
export interface Placeholder {
  readonly name: string;
  /** 0-based offset of the colon. */
  readonly offset: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
/** `col:field` is a semi-structured path (Snowflake VARIANT), not a placeholder: a colon glued to a name is never bound. */
const PATH_BEFORE = /[A-Za-z0-9_\])"]/;

export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      // Quotes are escaped by doubling, so scanning to the next quote and continuing is correct.
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? n : end + 1;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else if (c === ':') {
      if (next === ':' || next === '=') {
        i += 2; // a cast (::type) or an assignment (:=), never a placeholder
      } else if (next !== undefined && IDENT_START.test(next) && !PATH_BEFORE.test(sql[i - 1] ?? ' ')) {
        let j = i + 1;
        while (j < n && IDENT_PART.test(sql[j]!)) j++;
        found.push({ name: sql.slice(i + 1, j), offset: i });
        i = j;
      } else i++;
    } else i++;
  }
  return found;
}

export type BindStyle = 'dollar-name' | 'dollar-index' | 'question' | 'colon-name' | 'at-name';

export interface Rewritten {
  readonly text: string;
  /** Parameter names in bind order, for positional styles (a name may repeat for `question`). */
  readonly order: readonly string[];
}

export function rewritePlaceholders(sql: string, style: BindStyle): Rewritten {
  const placeholders = findPlaceholders(sql);
  const order: string[] = [];
  let text = '';
  let last = 0;
  for (const p of placeholders) {
    text += sql.slice(last, p.offset);
    last = p.offset + 1 + p.name.length;
    switch (style) {
      case 'dollar-name':
        text += `$${p.name}`;
        break;
      case 'colon-name':
        text += `:${p.name}`;
        break;
      case 'at-name':
        text += `@${p.name}`;
        break;
      case 'question':
        order.push(p.name);
        text += '?';
        break;
      case 'dollar-index': {
        let index = order.indexOf(p.name);
        if (index < 0) index = order.push(p.name) - 1;
        text += `$${index + 1}`;
        break;
      }
    }
  }
  text += sql.slice(last);
  if (style === 'dollar-name' || style === 'colon-name' || style === 'at-name') {
    for (const p of placeholders) if (!order.includes(p.name)) order.push(p.name);
  }
  return { text, order };
}
