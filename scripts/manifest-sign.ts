/**
 * npm run manifest:sign — signs build/opsbook-manifest.json with an Ed25519 private key, for the release
 * pipeline. Key from OPSBOOK_SIGNING_KEY (PEM) or --key FILE. `--generate DIR` writes a new key pair.
 * Configure the public key as manifest.publicKey in opsbook.config.yaml (e.g. "${OPSBOOK_MANIFEST_PUBLIC_KEY}").
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { signManifest, signatureFileOf } from '../server/execution/manifestSignature';

const siteDir = path.resolve(__dirname, '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const generate = arg('--generate');
if (generate) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.mkdirSync(generate, { recursive: true });
  fs.writeFileSync(path.join(generate, 'manifest-signing.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(path.join(generate, 'manifest-signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  console.log(`manifest:sign: wrote ${generate}/manifest-signing.key (keep it secret) and manifest-signing.pub`);
  process.exit(0);
}

const keyFile = arg('--key');
const key = keyFile ? fs.readFileSync(keyFile, 'utf8') : process.env.OPSBOOK_SIGNING_KEY;
if (!key) {
  console.error('manifest:sign: no key. Set OPSBOOK_SIGNING_KEY to the PEM private key or pass --key FILE (create one with --generate DIR).');
  process.exit(1);
}
const manifest = path.resolve(siteDir, arg('--manifest') ?? 'build/opsbook-manifest.json');
if (!fs.existsSync(manifest)) {
  console.error(`manifest:sign: ${manifest} does not exist; run npm run build first.`);
  process.exit(1);
}
fs.writeFileSync(signatureFileOf(manifest), signManifest(fs.readFileSync(manifest), key));
console.log(`manifest:sign: signed ${path.relative(siteDir, manifest)} → ${path.relative(siteDir, signatureFileOf(manifest))}`);
