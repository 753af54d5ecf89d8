/**
 * `--check-config` for schedules: what the server would refuse at start — a schedule naming an unknown runbook
 * or check, a write, an escalation step — said before a deploy rather than by a server that will not start.
 * The configuration alone cannot tell (it does not know the runbooks), so this reads the built manifest;
 * without one it says the schedules were not checked against the runbooks, and why.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OpsbookConfig } from '../config';
import { loadManifestStore } from '../execution/manifestStore';
import { resolveCheckSet } from './checkSet';
import { validateSchedules } from './index';

export interface SchedulePreflight {
  /** False when a schedule would stop the server at start. */
  readonly ok: boolean;
  readonly lines: readonly string[];
}

export function preflightSchedules(config: OpsbookConfig, manifestFile: string, siteDir: string): SchedulePreflight {
  if (config.schedules.length === 0) return { ok: true, lines: [] };
  const where = path.relative(siteDir, manifestFile) || manifestFile;
  if (!fs.existsSync(manifestFile)) {
    return { ok: true, lines: [`Schedules: not checked against the runbooks — no manifest at ${where} (npm run build makes it).`] };
  }
  const manifest = loadManifestStore(manifestFile, { publicKey: config.manifest.publicKey });
  try {
    const problems = validateSchedules({ config, manifest });
    if (problems.length) {
      return { ok: false, lines: [`FAIL  schedules: the server would refuse to start (checked against ${where}):`, ...problems.map((p) => `  - ${p}`)] };
    }
    return {
      ok: true,
      lines: config.schedules.map((s) => {
        const n = resolveCheckSet(manifest.current(), s, s.env, config.environments[s.env]!).checks.length;
        return `OK    schedule ${s.name}: "${s.cron}" ${s.timezone}, ${s.env}, ${n} check${n === 1 ? '' : 's'}${config.audit.store === 'postgres' ? ' (pg-boss: minute-granular; a firing starts some seconds after its minute)' : ''}`;
      }),
    };
  } finally {
    manifest.close();
  }
}
