import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Operation, OperationEvent } from '../types';
import { exportDocument } from './document';
import { renderHtml, renderMarkdown } from './render';
import { KEY_FILE, loadOrCreateSigningKey, signingKeyFrom, signJson, signText, verifyExport } from './signing';

const freshKey = () => signingKeyFrom(String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })));
const key = freshKey();
const dana = { user: 'dana.operator', displayName: 'Dana Operator' };

const operation: Operation = {
  id: 'op-20261201-abcd1234', title: 'LDZ late <script>alert(1)</script>', severity: 'sev2', env: 'demo', status: 'open', owner: dana, participants: [dana], origin: 'health',
  runbook: null, params: {}, createdBy: dana, createdAt: '2026-12-01T22:00:00.000Z', updatedAt: '2026-12-01T22:05:00.000Z', closedAt: null, eventCount: 2,
};
const events: OperationEvent[] = [
  { id: 'e1', operation: operation.id, seq: 1, at: '2026-12-01T22:00:00.000Z', actor: dana, data: { kind: 'note', text: 'Checked the LDZ | pipes and <b>tags</b>' } },
  {
    id: 'e2', operation: operation.id, seq: 2, at: '2026-12-01T22:05:00.000Z', actor: dana,
    data: { kind: 'run', run: { runId: 'r1', clientId: 'c1', snippet: 'rb/ldz-rows', sha256: 'a'.repeat(64), runbook: 'rb', step: 's', env: 'demo', params: { business_date: '2026-12-01' }, status: 'failed', rowCount: 0, truncated: false, rowsAffected: null, dryRun: false, approval: null, check: { passed: false, detail: 'rows = 0, expected > 0' }, error: null, columns: ['n'], sample: [], airflow: null, startedAt: '2026-12-01T22:05:00.000Z', endedAt: '2026-12-01T22:05:01.000Z' } },
  },
];
const manifest = { version: 1 as const, commit: 'c0ffee', dirty: false, builtAt: '2026-12-01T00:00:00.000Z', snippets: {} };
const doc = exportDocument({ operation, events, manifest, manifestSha256: 'f'.repeat(64), by: dana, at: new Date('2026-12-01T23:00:00.000Z') });
const meta = { operation: operation.id, commit: 'c0ffee' };

describe('signed operation exports', () => {
  it('verifies each format as exported, naming the operation and the site commit', () => {
    const files = {
      json: JSON.stringify(signJson(doc, key), null, 2),
      markdown: signText(renderMarkdown(doc), { ...meta, format: 'markdown' }, key),
      html: signText(renderHtml(doc), { ...meta, format: 'html' }, key),
    };
    for (const [format, text] of Object.entries(files)) {
      expect(verifyExport(text, [key.keyId])).toMatchObject({ valid: true, trusted: true, format, operation: operation.id, commit: 'c0ffee', keyId: key.keyId });
    }
  });

  it('detects any edit: one character of a Markdown or HTML report, a value in the JSON, the trailer, or text added after it', () => {
    const md = signText(renderMarkdown(doc), { ...meta, format: 'markdown' }, key);
    expect(verifyExport(md.replace('rows = 0', 'rows = 9'), [key.keyId])).toMatchObject({ valid: false, reason: expect.stringMatching(/changed after Opsbook exported it/) });
    const html = signText(renderHtml(doc), { ...meta, format: 'html' }, key);
    expect(verifyExport(html.replace('Dana Operator', 'Dana 0perator'), [key.keyId]).valid).toBe(false);
    expect(verifyExport(html.replace('"commit":"c0ffee"', '"commit":"deadbeef"'), [key.keyId]).valid).toBe(false);
    expect(verifyExport(`${html}<p>added</p>`, [key.keyId])).toMatchObject({ valid: false, reason: expect.stringMatching(/added after/) });
    const json = signJson(doc, key);
    const edited = { ...json, document: { ...json.document, operation: { ...json.document.operation, owner: { user: 'mallory', displayName: 'Mallory' } } } };
    expect(verifyExport(JSON.stringify(edited), [key.keyId]).valid).toBe(false);
    // Re-formatting the JSON is not an edit: the canonical form is what was signed.
    expect(verifyExport(JSON.stringify(json), [key.keyId]).valid).toBe(true);
    expect(verifyExport(renderMarkdown(doc), [key.keyId])).toMatchObject({ valid: false, format: 'unknown' });
  });

  it('does not trust a report re-signed with another key, though its signature matches its content', () => {
    const other = freshKey();
    const forged = signText(renderMarkdown(doc).replace('rows = 0', 'rows = 9'), { ...meta, format: 'markdown' }, other);
    expect(verifyExport(forged, [key.keyId])).toMatchObject({ valid: false, trusted: false, keyId: other.keyId, reason: expect.stringMatching(/not this server/) });
  });

  it('escapes what people typed in the HTML report, so a note or title cannot run script', () => {
    const html = renderHtml(doc);
    expect(html).not.toContain('<script>');
    expect(html).toContain('LDZ late &lt;script&gt;');
    expect(html).toContain('&lt;b&gt;tags&lt;/b&gt;');
    expect(renderMarkdown(doc)).toContain('Checked the LDZ | pipes');
  });

  it('keeps the demo key in the state directory, so a restarted server still verifies its old reports', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-key-'));
    try {
      const first = loadOrCreateSigningKey(dir);
      expect((fs.statSync(path.join(dir, KEY_FILE)).mode & 0o777).toString(8)).toBe('600');
      const report = signText(renderMarkdown(doc), { ...meta, format: 'markdown' }, first);
      const again = loadOrCreateSigningKey(dir);
      expect(again.keyId).toBe(first.keyId);
      expect(verifyExport(report, [again.keyId]).valid).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
