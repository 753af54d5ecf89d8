/** Manifest keys and hashes (DESIGN.md §4): one definition, used at build time and by the server's tests. */
import { createHash } from 'node:crypto';
import type { Dialect, ManifestSnippet } from './types';
import type { BlockInfo } from './extract';
import { DEFAULT_TIMEZONE } from './syntax/zonedDate';

export function snippetKey(runbookId: string, snippetId: string, dialect: Dialect | null): string {
  return `${runbookId}/${snippetId}${dialect ? `:${dialect}` : ''}`;
}

type Hashed = Pick<ManifestSnippet, 'lang' | 'target' | 'mode' | 'envs' | 'role' | 'approver' | 'params' | 'expect' | 'warn' | 'error' | 'sample' | 'dialect' | 'text'> & {
  /** Optional for callers that predate zones; absent means UTC, and hashes like UTC. */
  readonly timezone?: string;
};

/**
 * sha256 over everything that decides what runs and who may run it, serialized with a fixed key order
 * so the hash is stable across Node versions and object construction order.
 */
export function snippetHash(s: Hashed): string {
  const canonical = JSON.stringify([
    s.lang,
    s.target,
    s.mode,
    [...s.envs],
    s.role,
    s.approver,
    s.params.map((p) => [p.name, p.type, p.default]),
    s.expect,
    s.dialect,
    s.text,
    // The zone decides which day `today` is, so it is part of what runs.
    s.timezone ?? DEFAULT_TIMEZONE,
    // Check conditions decide the verdict, so they are part of what was approved by merge. Appended only
    // when given, so a snippet without them keeps the hash it had before they existed.
    ...(s.warn || s.error || s.sample ? [s.warn ?? null, s.error ?? null, s.sample ?? null] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export function toManifestSnippet(runbookId: string, file: string, block: BlockInfo): [string, ManifestSnippet] {
  const base = {
    runbook: runbookId,
    file,
    line: block.line,
    step: block.step.id,
    role: block.step.role,
    approver: block.step.approver,
    lang: block.lang,
    target: block.target,
    envs: block.envs,
    mode: block.mode,
    params: block.params,
    expect: block.expect,
    ...(block.warn ? { warn: block.warn } : {}),
    ...(block.error ? { error: block.error } : {}),
    ...(block.sample !== null ? { sample: block.sample } : {}),
    dialect: block.dialect,
    timezone: block.timezone,
    title: block.title,
    stepTitle: block.step.title,
    text: block.text,
  };
  return [snippetKey(runbookId, block.id, block.dialect), { ...base, sha256: snippetHash(base) }];
}
