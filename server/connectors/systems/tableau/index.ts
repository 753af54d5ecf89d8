/** The Tableau system: `tableau run` blocks on `{kind: tableau}` connections. */
import { TABLEAU_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/tableau';
import type { ConnectionConfig } from '../../../config';
import { defineSystem } from '../types';
import { createTableauClient, type TableauClient } from './client';
import type { TableauConnectionConfig } from './config';
import { runTableau } from './execute';
import { cancellableSleep } from '../../cancellableSleep';

interface Opened {
  readonly client: TableauClient;
  readonly pollMs: number;
}


export const TABLEAU_SYSTEM = defineSystem<TableauConnectionConfig, Opened>({
  grammar: TABLEAU_GRAMMAR,
  kind: 'tableau',
  isConnection: (c: ConnectionConfig): c is TableauConnectionConfig => c.kind === 'tableau',
  async connect(conn, demo) {
    const timeout = conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {};
    if (conn.demo) {
      if (!demo.tableau) throw new Error('this server has no demo Tableau');
      const local = await demo.tableau();
      return { client: createTableauClient({ ...local, apiVersion: conn.apiVersion, ...timeout }), pollMs: conn.pollMs ?? 300 };
    }
    return { client: createTableauClient({ url: conn.url!, site: conn.site!, tokenName: conn.tokenName!, tokenSecret: conn.tokenSecret!, apiVersion: conn.apiVersion, ...timeout }), pollMs: conn.pollMs ?? 5000 };
  },
  run: (o, command, ctx) => runTableau(o.client, command, { ...ctx, pollMs: o.pollMs, wait: cancellableSleep }),
  probe: (o, _conn, signal) => o.client.probe(signal),
  close: (o) => void o.client.close(),
});
