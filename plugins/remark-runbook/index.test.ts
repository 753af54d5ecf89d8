import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '@mdx-js/mdx';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import { parse as parseYaml } from 'yaml';
import remarkRunbook from './index';
import { collectRunbooks } from './collect';
import { buildManifest } from './manifest';
import { snippetHash } from './snippet';
import type { RunnableBlockSpec } from './types';

const fixtures = path.join(__dirname, '__fixtures__');

async function compileFixture(name: string) {
  const file = path.join(fixtures, `${name}.mdx`);
  const source = fs.readFileSync(file, 'utf8');
  const frontMatter = parseYaml(/^---\n([\s\S]*?)\n---/.exec(source)![1]!) as Record<string, unknown>;
  return compile(
    { value: source, path: file, data: { frontMatter } },
    // The plugin types its own narrow VFile view; unified's Pluggable type wants its full VFile.
    { remarkPlugins: [[remarkFrontmatter, ['yaml']], remarkDirective, remarkRunbook as unknown as () => undefined], jsx: true },
  );
}

/** Pulls the RunnableBlock specs out of compiled MDX (attributes are JSON strings). */
function specsOf(js: string): RunnableBlockSpec[] {
  return [...js.matchAll(/<RunnableBlock spec="([^"]*)" \/>/g)].map(
    (m) => JSON.parse(m[1]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&')) as RunnableBlockSpec,
  );
}

describe('the remark plugin in an MDX compile', () => {
  it('turns steps into <Step> with id, title, role, approver and duration', async () => {
    const js = String(await compileFixture('valid'));
    expect(js).toContain('<Step id="verify-ldz" title="Verify the LDZ load" role="service-team" duration="10m">');
    expect(js).toContain('<Step id="rebuild-hub" title="Rebuild a hub" role="escalation" approver="data-engineering-lead">');
    expect(js).not.toContain('directiveLabel');
  });

  it('turns each runnable block into one <RunnableBlock>, grouping dialect variants, and keeps plain fences as code', async () => {
    const js = String(await compileFixture('valid'));
    const specs = specsOf(js);
    expect(specs.map((s) => s.id)).toEqual(['ldz-rows', 'rebuild', 'count-rows']);
    expect(specs[2]!.variants.map((v) => v.key)).toEqual([
      'fixture-runbook/count-rows:duckdb',
      'fixture-runbook/count-rows:oracle',
      'fixture-runbook/count-rows',
    ]);
    expect(js).toContain('plain code stays code');
  });

  it('gives the page the same key and sha256 the manifest holds', async () => {
    const specs = specsOf(String(await compileFixture('valid')));
    const collection = collectRunbooks(path.dirname(fixtures), fixtures);
    const manifest = buildManifest({ files: collection.files.filter((f) => f.file.endsWith('valid.mdx')), diagnostics: [] }, { commit: 'abc', dirty: false });
    for (const spec of specs) {
      for (const v of spec.variants) expect(manifest.snippets[v.key]?.sha256).toBe(v.sha256);
    }
    expect(manifest.snippets['fixture-runbook/ldz-rows']).toMatchObject({
      runbook: 'fixture-runbook',
      file: '__fixtures__/valid.mdx',
      line: 14,
      step: 'verify-ldz',
      role: 'service-team',
      approver: null,
      envs: ['*'],
      expect: 'rows>0',
    });
    expect(manifest.snippets['fixture-runbook/rebuild']).toMatchObject({ role: 'escalation', approver: 'data-engineering-lead', mode: 'write' });
  });

  it('adds a Run all checks panel after the title listing the read-only checks', async () => {
    const js = String(await compileFixture('valid'));
    const m = /<RunAllChecks runbook="fixture-runbook" checks="([^"]*)" \/>/.exec(js);
    expect(m).not.toBeNull();
    const checks = JSON.parse(m![1]!.replaceAll('&quot;', '"')) as { id: string; expect: string }[];
    expect(checks.map((c) => [c.id, c.expect])).toEqual([['ldz-rows', 'rows>0']]);
    expect(js.indexOf('<RunAllChecks')).toBeGreaterThan(js.indexOf('"Fixture"'));
  });

  it('fails the compile with every error as file:line:column', async () => {
    await expect(compileFixture('undeclared-param')).rejects.toThrow(/undeclared-param\.mdx:13:1 {2}error {2}Parameter "business_date" is used but not declared/);
  });
});

describe('the snippet hash', () => {
  const base = {
    lang: 'sql' as const, target: 'warehouse', mode: 'read' as const, envs: ['*'], role: 'service-team' as const, approver: null,
    params: [{ name: 'd', type: 'date', default: 'today' }], expect: 'rows>0', dialect: null, text: 'select 1',
  };
  const changes: [string, Partial<typeof base> | Record<string, unknown>][] = [
    ['the text', { text: 'select 2' }],
    ['the target', { target: 'source' }],
    ['the mode', { mode: 'write' }],
    ['the environments', { envs: ['demo'] }],
    ['the role', { role: 'escalation' }],
    ['the approver', { approver: 'boss' }],
    ['a parameter default', { params: [{ name: 'd', type: 'date', default: 'yesterday' }] }],
    ['the check', { expect: 'rows>1' }],
  ];
  for (const [what, change] of changes) {
    it(`changes when ${what} changes`, () => {
      expect(snippetHash({ ...base, ...change } as typeof base)).not.toBe(snippetHash(base));
    });
  }
  it('is a 64-character hex digest, stable for the same input', () => {
    expect(snippetHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(snippetHash({ ...base })).toBe(snippetHash(base));
  });
});
