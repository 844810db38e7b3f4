// envkit/memu: the schema of the memu deployment (memu + PostgreSQL/pgvector under compose) and its
// database URL, derived from its parts. Explicit named exports only; nothing runs at import but building the
// schema (zod types).

export { memuSchema, createMemuSchema, type MemuEnv, type MemuSchemaOptions } from '../schema/memu.js';
export { memuProfile } from '../schema/memu-profile.js';
export { memuDbUrlDerive, createMemuDbUrlDerive } from '../secrets/derive.js';
