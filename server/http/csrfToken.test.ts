import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrfSigner, loadOrCreateCsrfSecret } from './csrfToken';

describe('CSRF tokens', () => {
  it('verify only for the subject they were issued to, and only with the same secret', () => {
    const signer = csrfSigner('s'.repeat(40));
    const token = signer.issue('proxy:dana.operator');
    expect(signer.verify(token, 'proxy:dana.operator')).toBe(true);
    expect(signer.verify(token, 'proxy:imani.manager')).toBe(false);
    expect(csrfSigner('t'.repeat(40)).verify(token, 'proxy:dana.operator')).toBe(false);
    expect(signer.verify(`${token.split('.')[0]}.forged`, 'proxy:dana.operator')).toBe(false);
    expect(signer.verify('', 'proxy:dana.operator')).toBe(false);
  });

  it('keep the demo secret in the state directory across restarts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-csrf-'));
    try {
      const first = loadOrCreateCsrfSecret(path.join(dir, 'state'));
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(fs.statSync(path.join(dir, 'state', 'csrf-secret')).mode & 0o777).toBe(0o600);
      expect(loadOrCreateCsrfSecret(path.join(dir, 'state'))).toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
