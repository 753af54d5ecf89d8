/**
 * Tokenizes the attribute part of a fence info string: `id=x params="a:date=today" expect='rows>0'`.
 * Values may be bare (no spaces or quotes) or quoted with " or '. Offsets let callers report columns.
 */
export interface InfoAttribute {
  readonly name: string;
  readonly value: string;
  /** 0-based offset of the attribute name within the tokenized text. */
  readonly offset: number;
}

export type InfoParse =
  | { readonly ok: true; readonly attributes: readonly InfoAttribute[] }
  | { readonly ok: false; readonly offset: number; readonly message: string };

const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;

export function parseInfoAttributes(text: string): InfoParse {
  const attributes: InfoAttribute[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(text);
    if (!name) {
      return { ok: false, offset: i, message: `Expected an attribute like name=value at "${text.slice(i, i + 12)}".` };
    }
    const start = i;
    i += name[0].length;
    if (text[i] !== '=') {
      return {
        ok: false,
        offset: start,
        message: `Attribute "${name[0]}" has no value; write ${name[0]}=value (quote values that contain spaces).`,
      };
    }
    i++;
    const quote = text[i];
    let value: string;
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, i + 1);
      if (end < 0) {
        return { ok: false, offset: i, message: `The value of "${name[0]}" opens a ${quote} quote that is never closed.` };
      }
      value = text.slice(i + 1, end);
      i = end + 1;
    } else {
      const end = text.slice(i).search(/\s|$/);
      value = text.slice(i, i + end);
      i += end;
      if (value.includes('"') || value.includes("'")) {
        return { ok: false, offset: start, message: `The value of "${name[0]}" has a stray quote; quote the whole value.` };
      }
    }
    attributes.push({ name: name[0], value, offset: start });
  }
  return { ok: true, attributes };
}
