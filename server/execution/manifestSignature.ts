/**
 * Ed25519 signatures over the exact bytes of the manifest file, made in the release pipeline
 * (`npm run manifest:sign`) and checked by the server at start when a public key is configured: a
 * manifest edited after the build cannot make the server run something that was never merged.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

export const signatureFileOf = (manifestFile: string) => `${manifestFile}.sig`;

export function signManifest(manifestBytes: Buffer, privateKeyPem: string): string {
  return sign(null, manifestBytes, createPrivateKey(privateKeyPem)).toString('base64');
}

export function manifestSignatureValid(manifestBytes: Buffer, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    return verify(null, manifestBytes, createPublicKey(publicKeyPem), Buffer.from(signatureBase64.trim(), 'base64'));
  } catch {
    return false;
  }
}
