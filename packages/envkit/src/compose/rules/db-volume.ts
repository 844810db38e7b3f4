import { isMap } from '../yaml.js';
import { getNode, getPair } from '../read.js';
import { volumesOf } from '../services.js';
import type { ComposeRule } from './rule.js';

const DB_DATA_TARGETS = new Set(['/var/lib/postgresql/data', '/var/lib/postgresql']);

/** `compose.db-volume`: the database keeps its data in a named volume that is declared. */
export const dbVolumeRule: ComposeRule = {
  ids: ['compose.db-volume'],
  service(service, { file, isDb, at, add }) {
    if (!isDb(service)) return;
    const data = volumesOf(service).find((m) => m.target !== undefined && DB_DATA_TARGETS.has(m.target.replace(/\/+$/, '')));
    if (!data) {
      add({
        severity: 'warning',
        rule: 'compose.db-volume',
        line: service.line,
        message: `the database service "${service.name}" keeps its data inside the container: removing the container deletes the database`,
        fix: 'mount a named volume: `volumes: ["postgres_data:/var/lib/postgresql/data"]` and declare `postgres_data:` under top-level `volumes:`',
      });
    } else if (data.kind === 'anonymous') {
      add({
        severity: 'warning',
        rule: 'compose.db-volume',
        line: at(data.node, service.line),
        message: `the database service "${service.name}" keeps its data in an anonymous volume: easy to lose on \`down -v\` or a renewed volume`,
        fix: 'use a named volume: `postgres_data:/var/lib/postgresql/data`',
      });
    } else if (data.kind === 'volume' && data.source !== undefined && !data.source.includes('$')) {
      const declared = getNode(file.doc.contents, 'volumes');
      if (!isMap(declared) || getPair(declared, data.source) === undefined) {
        add({
          severity: 'error',
          rule: 'compose.db-volume',
          line: at(data.node, service.line),
          message: `the database volume "${data.source}" is not declared under top-level \`volumes:\`: compose refuses the file`,
          fix: `add \`volumes:\\n  ${data.source}:\` at the top level`,
        });
      }
    }
  },
};
