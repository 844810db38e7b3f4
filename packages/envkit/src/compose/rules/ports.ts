import { portsOf, publishedEverywhere, publishes } from '../services.js';
import type { ComposeRule } from './rule.js';

/** PostgreSQL's port, for a database service found by its image when no profile names one. */
const POSTGRES_PORT = 5432;

/**
 * `compose.db-port` and `compose.app-port`: the database port published on every interface is a warning (a
 * firewall may guard it, and the user may have asked for it), on loopback a note; the app's port (when the
 * profile names it) on every interface is a warning.
 */
export const portsRule: ComposeRule = {
  ids: ['compose.db-port', 'compose.app-port'],
  service(service, { isDb, database, app, at, add }) {
    const db = isDb(service);
    const dbPort = database?.port ?? POSTGRES_PORT;
    const appPort = app !== undefined && service.name === app.service ? app.port : undefined;
    for (const port of portsOf(service)) {
      const everywhere = publishedEverywhere(port.hostIp);
      const line = at(port.node, service.line);
      if (db && publishes(port, dbPort)) {
        if (everywhere) {
          add({
            severity: 'warning',
            rule: 'compose.db-port',
            line,
            message: `the database port ${dbPort} of service "${service.name}" is published on every interface: anyone who reaches this host can try the password`,
            fix: `remove the \`ports:\` entry (${app ? app.service : 'the other services'} reach${app ? 'es' : ''} the database inside the compose network), or bind it to loopback: \`127.0.0.1:${dbPort}:${dbPort}\``,
          });
        } else {
          add({
            severity: 'info',
            rule: 'compose.db-port',
            line,
            message: `the database port ${dbPort} of service "${service.name}" is published on ${port.hostIp}`,
            fix: 'fine for checking or rotating the database from this host; remove it when no longer needed',
            hint: { code: 'published-database-port' },
          });
        }
      }
      if (appPort !== undefined && publishes(port, appPort) && everywhere) {
        add({
          severity: 'warning',
          rule: 'compose.app-port',
          line,
          message: `port ${appPort} of service "${service.name}" is published on every interface${app?.exposes ? `: ${app.exposes}` : ''}`,
          fix: `bind it to loopback (\`127.0.0.1:${appPort}:${appPort}\`) and put a reverse proxy in front for remote access`,
        });
      }
    }
  },
};
