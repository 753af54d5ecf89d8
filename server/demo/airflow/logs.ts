/**
 * Reading a try's log in pieces, as Airflow's log endpoints do: a continuation token carries the position.
 * Airflow 3 answers structured lines and a null token once the log is complete; Airflow 2 answers the
 * Python repr of [(host, text)] and a token whose payload says end_of_log.
 */
import { createHmac } from 'node:crypto';
import type { LogLine } from './model';

/** Large enough for throughput, small enough that a chunk is a reasonable HTTP answer. */
const MAX_LINES = 5000;
const MAX_BYTES = 512 * 1024;

export interface LogSlice {
  readonly lines: readonly LogLine[];
  readonly position: number;
  readonly complete: boolean;
}

export function positionOf(token: string | undefined): number {
  if (!token) return 0;
  try {
    const body = token.split('.')[0] ?? '';
    const p = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { log_pos?: unknown }).log_pos;
    return typeof p === 'number' && p >= 0 ? p : 0;
  } catch {
    return 0;
  }
}

/** The lines after `from`, bounded; `complete` when the try has ended and nothing is left. */
export function slice(all: readonly LogLine[], from: number, finished: boolean): LogSlice {
  let bytes = 0;
  let end = from;
  while (end < all.length && end - from < MAX_LINES && bytes < MAX_BYTES) bytes += all[end++]!.event.length + 40;
  return { lines: all.slice(from, end), position: end, complete: finished && end >= all.length };
}

/** An itsdangerous-style token: base64url JSON, a dot, a signature. */
export function token(secret: string, position: number, complete: boolean): string {
  const body = Buffer.from(JSON.stringify({ end_of_log: complete, log_pos: position })).toString('base64url');
  return `${body}.${createHmac('sha1', secret).update(body).digest('base64url').slice(0, 27)}`;
}

/** The classic text line of Airflow 2's file task handler. */
export function textLine(l: LogLine): string {
  return `[${l.timestamp.replace('T', ' ').replace('Z', '+0000')}] {taskinstance.py:1159} ${l.level} - ${l.event}`;
}

/** Python's repr of a str, as Airflow 2 embeds host/log tuples in its JSON answer. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
