import { describe, expect, it } from 'vitest';
import { docPathOf } from './manifest';

describe('runbook page paths in the manifest', () => {
  it('follows the docs routes: the file path, a folder for index pages, and a slug when given', () => {
    expect(docPathOf('docs/investor/profit-aggregate.mdx')).toBe('/investor/profit-aggregate');
    expect(docPathOf('docs/canonical/index.mdx')).toBe('/canonical');
    expect(docPathOf('docs/index.mdx', '/')).toBe('/');
    expect(docPathOf('docs/retail/overview.mdx', 'home')).toBe('/retail/home');
  });
});
