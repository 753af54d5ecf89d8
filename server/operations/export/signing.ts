/**
 * Signed exports (issue 12): the server signs every export with its Ed25519 key, so a reviewer can check a
 * report was not edited after it left Opsbook. JSON exports sign the canonical JSON of the document;
 * Markdown and HTML exports sign the exact bytes of the report, with the signature in a trailing comment
 * (`<!-- opsbook-signature {…} -->`): any change to the text, even a space, fails the check.
 *
 * Verification trusts a key, not the file: the public key in a file only says which key signed it; it is
 * trusted when it is the server's own (or one the reviewer passes), never because the file carries it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { VerifyResult } from '../types';

export interface SigningKey {
  readonly privateKey: KeyObject;
  /** The public key, SPKI DER in base64: what exports carry (no dashes, so it fits in an HTML comment). */
  readonly publicKey: string;
  /** `ed25519:` and the first 32 hex digits of the SHA-256 of the public key (DER). */
  readonly keyId: string;
}

export interface Signature {
  readonly alg: 'Ed25519';
  readonly keyId: string;
  readonly publicKey: string;
  readonly value: string;
}

/** What a text export's trailer carries besides the signature; all of it is covered by the signature. */
export interface TextSignatureMeta {
  readonly format: 'markdown' | 'html';
  readonly operation: string;
  readonly commit: string | null;
}

export const KEY_FILE = 'operations-signing-key.pem';
const TRAILER_START = '<!-- opsbook-signature ';
const TRAILER_END = ' -->';

export function keyIdOf(publicKey: KeyObject): string {
  return `ed25519:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32)}`;
}

export function signingKeyFrom(privateKeyPem: string): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('The operations signing key must be an Ed25519 private key (PEM).');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), keyId: keyIdOf(publicKey) };
}

/** The demo's key: read from `<dir>/operations-signing-key.pem`, or created there (mode 0600) on first start. */
export function loadOrCreateSigningKey(dir: string): SigningKey {
  const file = path.join(dir, KEY_FILE);
  try {
    return signingKeyFrom(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, pem, { mode: 0o600 });
  return signingKeyFrom(pem);
}

/** JSON with keys sorted at every level: the same document always gives the same bytes to sign. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const signBytes = (key: SigningKey, bytes: Buffer): Signature => ({ alg: 'Ed25519', keyId: key.keyId, publicKey: key.publicKey, value: sign(null, bytes, key.privateKey).toString('base64') });

/** The message a text export's signature covers: its metadata and the SHA-256 of its exact bytes. */
const textMessage = (meta: TextSignatureMeta, body: string) => Buffer.from(canonicalJson({ ...meta, sha256: createHash('sha256').update(body, 'utf8').digest('hex') }));

export function signJson<T extends { readonly operation: { readonly id: string } }>(document: T, key: SigningKey): { readonly document: T; readonly signature: Signature } {
  return { document, signature: signBytes(key, Buffer.from(canonicalJson(document))) };
}

export function signText(body: string, meta: TextSignatureMeta, key: SigningKey): string {
  const signature = signBytes(key, textMessage(meta, body));
  // `--` cannot appear in the trailer's JSON (base64 and ids have none), so the comment stays one comment.
  const trailer = JSON.stringify({ ...meta, ...signature });
  return `${body}${TRAILER_START}${trailer}${TRAILER_END}\n`;
}

function check(bytes: Buffer, sig: Pick<Signature, 'publicKey' | 'value'>): { ok: boolean; keyId: string | null } {
  try {
    const publicKey = createPublicKey({ key: Buffer.from(sig.publicKey, 'base64'), format: 'der', type: 'spki' });
    return { ok: verify(null, bytes, publicKey, Buffer.from(sig.value, 'base64')), keyId: keyIdOf(publicKey) };
  } catch {
    return { ok: false, keyId: null };
  }
}

/** Checks an exported file (JSON, Markdown or HTML) against the keys a reviewer trusts (by key id). */
export function verifyExport(text: string, trustedKeyIds: readonly string[]): VerifyResult {
  const none = (format: VerifyResult['format'], reason: string): VerifyResult => ({ valid: false, format, keyId: null, trusted: false, operation: null, commit: null, reason });
  const verdict = (format: VerifyResult['format'], ok: boolean, keyId: string | null, operation: string | null, commit: string | null): VerifyResult => {
    const trusted = keyId !== null && trustedKeyIds.includes(keyId);
    const reason = !ok
      ? 'The signature does not match the content: the file was changed after Opsbook exported it.'
      : trusted
        ? 'Unchanged since Opsbook exported it, and signed by this server’s key.'
        : `The signature matches, but the key that made it (${keyId}) is not this server’s: it may have been re-signed by someone else.`;
    return { valid: ok && trusted, format, keyId, trusted, operation, commit, reason };
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return none('json', 'The file is not valid JSON.');
    }
    const p = parsed as { document?: { operation?: { id?: unknown }; site?: { commit?: unknown } }; signature?: Partial<Signature> };
    if (!p.document || !p.signature || typeof p.signature.publicKey !== 'string' || typeof p.signature.value !== 'string') return none('json', 'No Opsbook signature in this JSON file.');
    const result = check(Buffer.from(canonicalJson(p.document)), { publicKey: p.signature.publicKey, value: p.signature.value });
    const op = typeof p.document.operation?.id === 'string' ? p.document.operation.id : null;
    const commit = typeof p.document.site?.commit === 'string' ? p.document.site.commit : null;
    return verdict('json', result.ok, result.keyId, op, commit);
  }
  const at = text.lastIndexOf(TRAILER_START);
  if (at < 0) return none('unknown', 'No Opsbook signature found: exports end with an “opsbook-signature” comment.');
  const end = text.indexOf(TRAILER_END, at + TRAILER_START.length);
  if (end < 0 || text.slice(end + TRAILER_END.length).trim() !== '') return none('unknown', 'The signature comment is damaged, or text was added after it.');
  let trailer: TextSignatureMeta & Partial<Signature>;
  try {
    trailer = JSON.parse(text.slice(at + TRAILER_START.length, end)) as TextSignatureMeta & Partial<Signature>;
  } catch {
    return none('unknown', 'The signature comment is damaged.');
  }
  const format = trailer.format === 'html' || trailer.format === 'markdown' ? trailer.format : 'unknown';
  if (format === 'unknown' || typeof trailer.publicKey !== 'string' || typeof trailer.value !== 'string') return none(format, 'The signature comment is incomplete.');
  const meta: TextSignatureMeta = { format, operation: String(trailer.operation), commit: trailer.commit ?? null };
  const result = check(textMessage(meta, text.slice(0, at)), { publicKey: trailer.publicKey, value: trailer.value });
  return verdict(format, result.ok, result.keyId, meta.operation, meta.commit);
}
