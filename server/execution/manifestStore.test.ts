import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeManifest } from '../testing/harness';
import { loadManifestStore } from './manifestStore';
import { signManifest, signatureFileOf } from './manifestSignature';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-manifest-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function write(name: string, dirty = false): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ ...makeManifest({ 'rb/a': { text: 'select 1' } }), dirty }));
  return file;
}

describe('manifest integrity', () => {
  it('loads a signed manifest when a public key is configured', () => {
    const file = write('signed.json');
    fs.writeFileSync(signatureFileOf(file), signManifest(fs.readFileSync(file), priv));
    expect(Object.keys(loadManifestStore(file, { publicKey: pub }).current().snippets)).toEqual(['rb/a']);
  });
  it('refuses an unsigned manifest', () => {
    expect(() => loadManifestStore(write('unsigned.json'), { publicKey: pub })).toThrow(/is not signed/);
  });
  it('refuses a manifest changed after signing', () => {
    const file = write('tampered.json');
    fs.writeFileSync(signatureFileOf(file), signManifest(fs.readFileSync(file), priv));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('select 1', 'drop table customers'));
    expect(() => loadManifestStore(file, { publicKey: pub })).toThrow(/changed after it was signed/);
  });
  it('refuses a dirty manifest where production environments exist', () => {
    expect(() => loadManifestStore(write('dirty.json', true), { refuseDirty: true })).toThrow(/uncommitted changes/);
    expect(() => loadManifestStore(write('dirty2.json', true), {})).not.toThrow();
  });
  it('keeps the escalation ladder each runbook names (approval requests escalate along it)', () => {
    const file = path.join(dir, 'runbooks.json');
    const runbooks = { rb: { title: 'RB', system: 's', owner: null, file: 'docs/rb.mdx', docPath: '/rb', timezone: 'UTC', escalation: 'profit' } };
    fs.writeFileSync(file, JSON.stringify({ ...makeManifest({ 'rb/a': { text: 'select 1' } }), runbooks }));
    expect(loadManifestStore(file, {}).current().runbooks?.rb?.escalation).toBe('profit');
  });
  it('says how to fix a missing or broken manifest', () => {
    expect(() => loadManifestStore(path.join(dir, 'nope.json'))).toThrow(/npm run build/);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"version": 1');
    expect(() => loadManifestStore(path.join(dir, 'broken.json'))).toThrow(/is not JSON/);
  });
});

describe('author mode', () => {
  it('reloads the watched manifest when it changes, and ignores other files in its folder', async () => {
    const file = write('watched.json');
    const reloads: number[] = [];
    const store = loadManifestStore(file, { watch: true, onReload: (m) => reloads.push(Object.keys(m.snippets).length) });
    try {
      fs.writeFileSync(path.join(dir, 'demo.duckdb.wal'), 'noise');
      await new Promise((r) => setTimeout(r, 200));
      expect(reloads).toEqual([]);
      const next = JSON.stringify(makeManifest({ 'rb/a': { text: 'select 1' }, 'rb/b': { text: 'select 2' } }));
      fs.writeFileSync(`${file}.tmp`, next);
      fs.renameSync(`${file}.tmp`, file);
      await expect.poll(() => reloads).toEqual([2]);
      expect(Object.keys(store.current().snippets)).toEqual(['rb/a', 'rb/b']);
    } finally {
      store.close();
    }
  });
});
