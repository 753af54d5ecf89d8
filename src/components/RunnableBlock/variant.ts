/** Which variant of a block runs in an environment, or why none can (DESIGN.md §3 `dialect`). */
import type { BlockVariant, RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import type { EnvironmentInfo } from '@site/server/protocol';
import type { EnvironmentStatus } from '@site/src/lib/environment';

export interface VariantChoice {
  /** The variant to show (also shown, greyed, when it cannot run). */
  readonly variant: BlockVariant | null;
  /** Why Run is disabled, in a sentence; null when the block can run. */
  readonly blocked: string | null;
}

type VariantSource = Pick<RunnableBlockSpec, 'variants' | 'envs' | 'target'>;

function fallback(spec: VariantSource): BlockVariant | null {
  return spec.variants.find((v) => v.dialect === null) ?? spec.variants[0] ?? null;
}

export function chooseVariant(spec: VariantSource, env: EnvironmentInfo | null, status: EnvironmentStatus): VariantChoice {
  if (!env) {
    const blocked = status === 'offline' ? 'The Opsbook server is offline.' : 'Loading environments…';
    return { variant: fallback(spec), blocked };
  }
  const allowed = spec.envs.includes('*') || spec.envs.includes(env.name);
  const connection = env.connections.find((c) => c.name === spec.target);
  const dialect = connection?.dialect ?? null;
  const variant =
    (dialect !== null ? spec.variants.find((v) => v.dialect === dialect) : undefined) ??
    spec.variants.find((v) => v.dialect === null) ??
    null;
  if (!connection) {
    return { variant: variant ?? fallback(spec), blocked: `${env.label} has no connection named “${spec.target}”.` };
  }
  if (!variant) {
    const engines = spec.variants.map((v) => v.dialect ?? 'any').join(', ');
    return {
      variant: null,
      blocked: `This step has no SQL for ${dialect ?? connection.kind}, the engine of “${spec.target}” in ${env.label}. It is written for: ${engines}.`,
    };
  }
  if (!allowed) return { variant, blocked: `This snippet runs only in: ${spec.envs.join(', ')}.` };
  return { variant, blocked: null };
}
