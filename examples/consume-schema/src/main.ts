// A tool of the memu deployment (say, a backup job) that validates its environment at start with the
// schema envkit ships, so it fails fast with every bad key named instead of half-working.
import { safeLoadEnv, parsePostgresUrl } from 'envkit';
import { memuSchema, type MemuEnv } from 'envkit/memu';

const result = safeLoadEnv(memuSchema, { env: process.env });
if (!result.success) {
  console.error(`backup: ${result.error.message}`);
  for (const issue of result.error.issues) console.error(`  - ${issue.message}`);
  process.exit(1);
}
const env: MemuEnv = result.data;
const db = parsePostgresUrl(env.MEMU_DB_URL);
// Only non-secret parts are printed.
console.log(`backup: would dump ${env.POSTGRES_DB} as ${env.POSTGRES_USER} from ${db.host}:${db.port}`);
