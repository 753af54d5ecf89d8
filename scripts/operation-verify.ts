/**
 * npm run operation:verify FILE [--key-id ed25519:…] — checks that an exported operation report (Markdown,
 * HTML or JSON) is exactly what the Opsbook server signed. The key trusted is the one given with --key-id
 * (ask the server: GET /api/operations/signing-key), else this site's own (operations.signingKey in the
 * configuration, or the one the server keeps in its state directory). Exit code 0 only when it verifies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config';
import { KEY_FILE, signingKeyFrom, verifyExport } from '../server/operations/export/signing';

const siteDir = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--key-id');
if (!file) {
  console.error('operation:verify: name the exported file, e.g. npm run operation:verify -- ~/Downloads/op-20261201-….html');
  process.exit(2);
}

function trustedKeyIds(): string[] {
  const given = flag('--key-id');
  if (given) return [given];
  try {
    const { config } = loadConfig(siteDir);
    if (config.operations.signingKey) return [signingKeyFrom(config.operations.signingKey).keyId];
    const stateDir = path.resolve(siteDir, config.audit.store === 'duckdb' ? path.dirname(config.audit.path) : '.opsbook');
    return [signingKeyFrom(fs.readFileSync(path.join(stateDir, KEY_FILE), 'utf8')).keyId];
  } catch (error) {
    console.error(`operation:verify: no trusted key found here (${(error as Error).message}); pass --key-id from GET /api/operations/signing-key.`);
    return [];
  }
}

const result = verifyExport(fs.readFileSync(file, 'utf8'), trustedKeyIds());
console.log(`${result.valid ? 'VERIFIED' : 'NOT VERIFIED'}: ${result.reason}`);
if (result.operation) console.log(`  operation ${result.operation}, site commit ${result.commit ?? 'unknown'}, ${result.format}, signed by ${result.keyId ?? 'no key'}`);
process.exit(result.valid ? 0 : 1);
