/**
 * The whole-server test of a demo system (dbt Cloud, Databricks, Tableau…): start a server on a small warehouse
 * with the system's connection and the blocks under test, open one socket as the operator, and run a block the way
 * a page does — by key and hash — collecting what came back. Each of those tests started and ran the same way;
 * this is that one way, so a change to the run protocol is made here once.
 */
import { afterAll, beforeAll } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import type { DoneMessage } from '../../protocol';

export interface BlockRun {
  readonly done: DoneMessage;
  /** Every row streamed, in order. */
  readonly rows: readonly (readonly unknown[])[];
  readonly columns: readonly string[];
  /** The terminal's log text, concatenated. */
  readonly logs: string;
  /** How many live state messages (task or job states) the run sent. */
  readonly states: number;
}

export interface DemoBlocks {
  /** The running server; set once the suite's beforeAll has run. */
  readonly harness: Harness;
  /** Runs one block of the manifest in the demo environment (`extra`: preview, confirmed, params…). */
  run(snippet: string, extra?: Readonly<Record<string, unknown>>): Promise<BlockRun>;
}

type HarnessOptions = Parameters<typeof startHarness>[0];

/** Registers the suite's beforeAll / afterAll; call it at the top of a test file. */
export function useDemoBlocks(options: HarnessOptions, runTimeoutMs = 60_000): DemoBlocks {
  let h: Harness | undefined;
  let client: TestClient | undefined;
  let n = 0;
  beforeAll(async () => {
    h = await startHarness(options);
    client = await h.connect();
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await h?.close();
  });
  const started = (): { h: Harness; client: TestClient } => {
    if (!h || !client) throw new Error('the demo server is not started: useDemoBlocks runs in beforeAll');
    return { h, client };
  };
  return {
    get harness() {
      return started().h;
    },
    async run(snippet, extra = {}) {
      const { h: server, client: socket } = started();
      const entry = server.manifest.snippets[snippet];
      if (!entry) throw new Error(`no block "${snippet}" in the test manifest`);
      const id = `b${++n}`;
      socket.send({ type: 'run', id, snippet, sha256: entry.sha256, env: 'demo', params: {}, ...extra });
      const done = await socket.done(id, runTimeoutMs);
      const messages = socket.of(id);
      return {
        done,
        rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])),
        columns: messages.flatMap((m) => (m.type === 'columns' ? m.columns.map((c) => c.name) : [])),
        logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join(''),
        states: messages.filter((m) => m.type === 'state').length,
      };
    },
  };
}
