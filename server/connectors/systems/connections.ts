/**
 * The system connections of the configuration, opened on first use and kept for the life of the server,
 * like the Airflow clients. A connection that fails to open is not kept: the next run tries again.
 */
import type { OpsbookConfig } from '../../config';
import { ConnectorError } from '../types';
import { systemForKind, systemForLang } from './registry';
import type { DemoEndpoints, OpenSystem, SystemEntry } from './types';

export interface SystemConnections {
  get(env: string, connection: string, lang: string): Promise<{ system: SystemEntry; open: OpenSystem }>;
  closeAll(): void;
}

export function createSystemConnections(config: OpsbookConfig, demo: DemoEndpoints): SystemConnections {
  const opened = new Map<string, Promise<{ system: SystemEntry; open: OpenSystem }>>();
  return {
    get(env, connection, lang) {
      const conf = config.environments[env]?.connections[connection];
      const system = conf ? systemForKind(conf.kind) : null;
      if (!conf || !system || system.grammar.lang !== lang) {
        const wanted = systemForLang(lang)?.kind ?? lang;
        return Promise.reject(
          new ConnectorError('unavailable', `Environment ${env} has no ${lang} connection named "${connection}".`, `Add {kind: ${wanted}, …} as "${connection}" under its connections in opsbook.config.yaml, or pick another environment.`),
        );
      }
      const key = `${env}/${connection}`;
      let pending = opened.get(key);
      if (!pending) {
        pending = system.open(conf, demo).then(
          (open) => ({ system, open }),
          (error: unknown) => {
            opened.delete(key);
            throw new ConnectorError('unavailable', `Could not open ${conf.kind} connection "${connection}" of ${env}: ${(error as Error).message}`);
          },
        );
        opened.set(key, pending);
      }
      return pending;
    },
    closeAll() {
      const all = [...opened.values()];
      opened.clear();
      for (const p of all) void p.then((c) => c.open.close(), () => undefined);
    },
  };
}
