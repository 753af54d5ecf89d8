/**
 * The snippet manifest the server runs from (DESIGN.md §4). Loaded at start; in author mode the dev
 * manifest is watched and reloaded, so an edited snippet runs at once. A bad reload keeps the last good one.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { Manifest } from '../../plugins/remark-runbook/types';
import { createHash } from 'node:crypto';
import { manifestSignatureValid, signatureFileOf } from './manifestSignature';

const paramSchema = z.object({ name: z.string(), type: z.string(), default: z.string().nullable() });
const snippetSchema = z.object({
  runbook: z.string(),
  file: z.string(),
  line: z.number(),
  step: z.string().nullable(),
  role: z.enum(['service-team', 'escalation']),
  approver: z.string().nullable(),
  lang: z.enum(['sql', 'airflow', 's3', 'dbt-cloud', 'pagerduty', 'tableau', 'slack', 'databricks']),
  target: z.string(),
  envs: z.array(z.string()),
  mode: z.enum(['read', 'write']),
  params: z.array(paramSchema),
  expect: z.string().nullable(),
  warn: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
  sample: z.number().int().positive().nullable().optional(),
  stepTitle: z.string().nullable().optional(),
  dialect: z.enum(['duckdb', 'postgres', 'snowflake', 'oracle', 'sqlserver', 'databricks']).nullable(),
  title: z.string().nullable(),
  timezone: z.string().optional(),
  text: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const manifestSchema = z.object({
  version: z.literal(1),
  commit: z.string().nullable(),
  dirty: z.boolean(),
  builtAt: z.string(),
  snippets: z.record(z.string(), snippetSchema),
  runbooks: z.record(z.string(), z.object({ title: z.string(), system: z.string(), owner: z.string().nullable(), file: z.string(), docPath: z.string(), timezone: z.string(), escalation: z.string().nullable().optional() })).optional(),
});

export class ManifestError extends Error {}

export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${file} is not JSON (${(error as Error).message}); rebuild it with npm run build.`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ManifestError(`${file} is not an Opsbook manifest: ${issue.path.join('.')}: ${issue.message}. Rebuild it with npm run build.`);
  }
  return parsed.data as Manifest;
}

export interface ManifestStore {
  current(): Manifest;
  /** sha256 of the manifest file, reported by /api/health so operators can tell builds apart. */
  hash(): string;
  close(): void;
}

export interface ManifestOptions {
  readonly watch?: boolean;
  /** Ed25519 public key (PEM): the manifest must carry a valid signature in `<file>.sig`. */
  readonly publicKey?: string | undefined;
  /** Refuse a manifest built from uncommitted changes (any production environment sets this). */
  readonly refuseDirty?: boolean;
  readonly onReload?: (m: Manifest) => void;
  readonly onError?: (e: Error) => void;
}

export function loadManifestStore(file: string, options: ManifestOptions = {}): ManifestStore {
  if (!fs.existsSync(file)) {
    throw new ManifestError(`No snippet manifest at ${file}. Build the site first (npm run build), or use npm start which builds it.`);
  }
  const read = () => {
    const bytes = fs.readFileSync(file);
    if (options.publicKey) {
      const sigFile = signatureFileOf(file);
      if (!fs.existsSync(sigFile)) throw new ManifestError(`${file} is not signed (no ${path.basename(sigFile)}); sign it in the release pipeline with npm run manifest:sign.`);
      if (!manifestSignatureValid(bytes, fs.readFileSync(sigFile, 'utf8'), options.publicKey)) {
        throw new ManifestError(`The signature of ${file} does not match its contents or the configured key: the manifest was changed after it was signed. Rebuild and sign it.`);
      }
    }
    const text = bytes.toString('utf8');
    const manifest = parseManifest(text, file);
    if (options.refuseDirty && manifest.dirty) {
      throw new ManifestError(`${file} was built from uncommitted changes (dirty); a server with a production environment runs only manifests built from a commit.`);
    }
    return { manifest, hash: createHash('sha256').update(bytes).digest('hex') };
  };
  let state = read();
  let watcher: fs.FSWatcher | null = null;
  if (options.watch) {
    // Watch the directory: the writer renames a temp file over the manifest, which replaces the inode.
    let pending: NodeJS.Timeout | null = null;
    // The directory also holds the demo warehouse and the state store, which change on every run: react
    // only to the manifest (and its temp file), and only report a reload when the contents changed.
    const name = path.basename(file);
    watcher = fs.watch(path.dirname(file), (_event, changed) => {
      if (changed && !changed.startsWith(name)) return;
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        try {
          const next = read();
          if (next.hash === state.hash) return;
          state = next;
          options.onReload?.(state.manifest);
        } catch (error) {
          options.onError?.(error as Error);
        }
      }, 50);
    });
  }
  return {
    current: () => state.manifest,
    hash: () => state.hash,
    close: () => watcher?.close(),
  };
}

/** A fixed manifest (tests, benchmarks). */
export function staticManifestStore(manifest: Manifest): ManifestStore {
  const hash = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
  return { current: () => manifest, hash: () => hash, close: () => undefined };
}
