/** Manifest keys and hashes (DESIGN.md §4): one definition, used at build time and by the server's tests. */
import { createHash } from 'node:crypto';
import type { Dialect, ManifestSnippet } from './types';
import type { BlockInfo } from './extract';
import { DEFAULT_TIMEZONE } from './syntax/zonedDate';

export function snippetKey(runbookId: string, snippetId: string, dialect: Dialect | null): string {
  return `${runbookId}/${snippetId}${dialect ? `:${dialect}` : ''}`;
}

type Hashed = Pick<ManifestSnippet, 'lang' | 'target' | 'mode' | 'envs' | 'role' | 'approver' | 'params' | 'expect' | 'dialect' | 'text'> & {
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
    dialect: block.dialect,
    timezone: block.timezone,
    title: block.title,
    text: block.text,
  };
  return [snippetKey(runbookId, block.id, block.dialect), { ...base, sha256: snippetHash(base) }];
}
