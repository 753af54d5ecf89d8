/**
 * Task log content as text. Airflow 3 sends structured messages ({timestamp, event, level, …}) or plain
 * strings; Airflow 2 sends one string which, in JSON mode, is the Python repr of a list of
 * (hostname, text) tuples. Each becomes lines ending in \n, as the terminal shows them.
 */

export function fromStructured(content: readonly unknown[]): string {
  let out = '';
  for (const item of content) {
    if (typeof item === 'string') {
      out += ensureNewline(item);
      continue;
    }
    if (!item || typeof item !== 'object') continue;
    const m = item as Record<string, unknown>;
    const event = typeof m.event === 'string' ? m.event : JSON.stringify(m.event ?? '');
    // Airflow 3 brackets its source details in ::group:: markers for its UI; they are noise here.
    if (event.startsWith('::endgroup::')) continue;
    const text = event.replace(/^::group::/, '');
    const ts = typeof m.timestamp === 'string' ? `[${m.timestamp}] ` : '';
    const level = typeof m.level === 'string' ? `${m.level.toUpperCase()} - ` : '';
    out += ensureNewline(`${ts}${level}${text}`);
  }
  return out;
}

export function fromAirflow2(content: string): string {
  const tuples = parsePythonTuples(content);
  if (tuples === null) return ensureNewline(content);
  return tuples.map(([, text]) => ensureNewline(text)).join('');
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** Parses `[('host', 'text'), …]` as Python writes it; null when the content is not that. */
export function parsePythonTuples(source: string): [string, string][] | null {
  const s = source.trim();
  if (!s.startsWith('[(') || !s.endsWith(')]')) return null;
  const out: [string, string][] = [];
  let i = 1;
  const skip = () => {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
  };
  const literal = (): string | null => {
    const q = s[i];
    if (q !== "'" && q !== '"') return null;
    i++;
    let value = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const e = s[i + 1]!;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (e in simple) {
          value += simple[e];
          i += 2;
        } else if (e === 'x' || e === 'u') {
          const n = e === 'x' ? 2 : 4;
          value += String.fromCharCode(parseInt(s.slice(i + 2, i + 2 + n), 16));
          i += 2 + n;
        } else {
          value += `\\${e}`;
          i += 2;
        }
      } else value += s[i++];
    }
    i++;
    return value;
  };
  while (i < s.length - 1) {
    skip();
    if (s[i] === ']') break;
    if (s[i] !== '(') return null;
    i++;
    skip();
    const host = literal();
    skip();
    const text = literal();
    skip();
    if (host === null || text === null || s[i] !== ')') return null;
    i++;
    out.push([host, text]);
  }
  return out;
}
