import { POSTGRES_IMAGE_KEYS, type DeploymentProfile } from './profile.js';

/**
 * The memu deployment's names, in one place (docs/deployment.md): PostgreSQL with pgvector as service `db` on
 * 5432, memu as service `memu` on 8000, whose /health answers with `MEMU_DB_URL`; the login in the postgres
 * image's own variables; the memory limits; Ollama at `OLLAMA_API_BASE_URL`.
 */
export const memuProfile = {
  database: {
    service: 'db',
    port: 5432,
    keys: { ...POSTGRES_IMAGE_KEYS, url: 'MEMU_DB_URL' },
    memoryKey: 'DB_MEMORY_LIMIT',
  },
  app: {
    service: 'memu',
    port: 8000,
    exposes: "memu's /health answers with MEMU_DB_URL, password included",
    memoryKey: 'MEMU_MEMORY_LIMIT',
  },
  ollamaKey: 'OLLAMA_API_BASE_URL',
} as const satisfies DeploymentProfile;
