/**
 * An empty DuckDB warehouse in a temporary folder, reached the way the sandbox reaches the demo's (through the
 * connector registry), for a test that builds only the tables it needs. `close` closes the connections and
 * removes the folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../../../connectors/registry';
import { createWarehouse, type Warehouse } from '../warehouse';

export interface ScratchWarehouse {
  readonly dir: string;
  readonly connectors: ConnectorRegistry;
  readonly warehouse: Warehouse;
  close(): Promise<void>;
}

export function openScratchWarehouse(prefix: string): ScratchWarehouse {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = parseConfig(
    ['defaultEnvironment: demo', 'environments:', '  demo:', '    connections:', `      warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'w.duckdb'))}}`].join('\n'),
    'test.yaml',
  );
  const connectors = createConnectorRegistry(config, dir);
  return {
    dir,
    connectors,
    warehouse: createWarehouse(connectors, 'demo', 'warehouse'),
    async close() {
      await connectors.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
