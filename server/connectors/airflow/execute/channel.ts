/**
 * What the executor needs from a run: send protocol messages, and rows with backpressure. The runner's
 * RunChannel has exactly this shape; it is restated here so the connector does not import the runner.
 */
import type { AirflowRunState, Cell, ServerMessage } from '../../../protocol';

export interface AirflowChannel {
  send(message: ServerMessage): void;
  rows(batch: readonly (readonly Cell[])[]): Promise<void>;
}

/** Helpers bound to one run id. */
export interface Output {
  log(text: string, stream?: 'stdout' | 'stderr'): void;
  state(state: AirflowRunState): void;
  /** Sends columns and rows (VARCHAR/INTEGER as given), at most `max`; returns [rowCount, truncated]. */
  table(columns: readonly { name: string; type: string }[], rows: readonly (readonly Cell[])[]): Promise<{ rowCount: number; truncated: boolean }>;
}

const BATCH = 500;

export function output(channel: AirflowChannel, id: string, maxRows: number): Output {
  return {
    log(text, stream = 'stdout') {
      if (text) channel.send({ type: 'log', id, stream, text: text.endsWith('\n') ? text : `${text}\n` });
    },
    state(state) {
      channel.send({ type: 'state', id, state: state as unknown as Readonly<Record<string, unknown>> });
    },
    async table(columns, rows) {
      channel.send({ type: 'columns', id, columns });
      const kept = rows.slice(0, maxRows);
      for (let i = 0; i < kept.length; i += BATCH) await channel.rows(kept.slice(i, i + BATCH));
      return { rowCount: kept.length, truncated: rows.length > kept.length };
    },
  };
}

export const ANSI = {
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
};
