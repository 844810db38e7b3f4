import * as z from 'zod/mini';
import { EnvkitError } from '../errors.js';
import { buildPostgresUrl, createMemuDbUrlDerive, parsePostgresUrl } from '../secrets/derive.js';
import { generatePassword } from '../secrets/password.js';
import { defineSchema, variable, type InferEnv } from './define.js';
import { COMPOSE_BYTE_VALUE, parseByteSize } from '../text/units.js';
import { memuProfile } from './memu-profile.js';

/** Options of {@link createMemuSchema}. */
export interface MemuSchemaOptions {
  /** Host written into a fresh `MEMU_DB_URL` (default `db`, the compose service). */
  dbHost?: string;
  /** Port written into a fresh `MEMU_DB_URL` (default 5432). */
  dbPort?: number;
}

const KEY_CHARS = /^[A-Za-z0-9_-]+$/;
const KEY_CHARS_MESSAGE = 'may only contain letters, digits, "_" and "-" (a space or quote is a copy-paste slip)';

/** What httpUrl() checks, for the JSON Schema (whose "format": "uri" validators need not check): http(s) and a host. */
const HTTP_URL_PATTERN = '^[hH][tT][tT][pP][sS]?://[^\\s/?#]+';

function httpUrl() {
  // z.httpUrl() wants a domain name and refuses `localhost` and IP addresses; an Ollama host is often one.
  return z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
}

// `$` is legal in an unquoted PostgreSQL identifier but compose-go interpolates it in `.env`, so it is
// left out; upper case is folded to lower case by unquoted SQL, so it is left out too.
function postgresIdentifier() {
  return z.string().check(
    z.regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase PostgreSQL identifier: a-z, 0-9 and _, not starting with a digit'),
    z.maxLength(63, 'must be at most 63 characters (PostgreSQL truncates longer names)'),
  );
}

// `public` and `none` are refused by CREATE ROLE even when quoted, `pg_` is reserved for system roles
// (measured on PostgreSQL 15); the SQL key words mean something else where a role is expected unquoted.
/** A TCP port, 1 to 65535, as a pattern (JSON Schema has no numeric test on a string). */
const PORT = '0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

const RESERVED_ROLES = ['public', 'none', 'current_user', 'current_role', 'session_user', 'user', 'all'];

// compose's byte values in the form the compose specification documents (text/units.ts): docker and podman
// read more (`2t`, `2gib`, `2 g`, plain bytes), but `2` would mean two bytes and is always a mistake here.
const MIN_MEMORY = 6 * 1024 ** 2;

function memoryLimit() {
  return z.string().check(
    z.regex(COMPOSE_BYTE_VALUE, 'must be a compose memory size: a number and b, k, m or g (e.g. 512m, 2g)'),
    z.refine((v) => {
      const size = parseByteSize(v);
      return size === undefined || !size.documented || size.bytes >= MIN_MEMORY; // a bad form is reported by the pattern
    }, 'must be at least 6m (docker refuses a smaller memory limit)'),
  );
}

/**
 * The memu deployment's schema with a custom database host or port for a fresh `MEMU_DB_URL`.
 * {@link memuSchema} is this with the defaults (`db:5432`).
 */
export function createMemuSchema(options: MemuSchemaOptions = {}) {
  // Fail now, not on the first recompute: buildPostgresUrl refuses a bad host or port (USAGE).
  buildPostgresUrl({ user: 'u', password: 'p', database: 'd', host: options.dbHost, port: options.dbPort });
  return defineSchema(
    'memu',
    {
      OPENAI_API_KEY: variable(
        z.optional(
          z.string().check(
            z.startsWith('sk-', 'must start with "sk-" (an OpenAI API key)'),
            z.refine((v) => !v.startsWith('sk-or-'), 'is an OpenRouter key (sk-or-...); put it in OPENROUTER_API_KEY'),
            z.regex(KEY_CHARS, KEY_CHARS_MESSAGE),
            z.minLength(20),
          ),
        ),
        {
          description: 'OpenAI API key (sk-...); leave empty if memu does not use OpenAI',
          secret: true,
          prompt: true,
          section: 'LLM providers',
          example: 'sk-...',
          jsonSchema: { not: { pattern: '^sk-or-' } },
          placeholders: ['sk-your-actual-key-here', 'sk-your-openai-api-key'],
        },
      ),
      OPENROUTER_API_KEY: variable(
        z.optional(
          z.string().check(
            z.startsWith('sk-or-', 'must start with "sk-or-" (OpenRouter keys look like sk-or-v1-...)'),
            z.regex(KEY_CHARS, KEY_CHARS_MESSAGE),
            z.minLength(20),
          ),
        ),
        {
          description: 'OpenRouter API key (sk-or-v1-...); leave empty if memu does not use OpenRouter',
          secret: true,
          prompt: true,
          section: 'LLM providers',
          example: 'sk-or-v1-...',
          placeholders: ['sk-or-v1-your-key-here'],
        },
      ),
      OPENROUTER_BASE_URL: variable(httpUrl(), {
        description: 'OpenRouter API endpoint (OpenAI-compatible)',
        default: 'https://openrouter.ai/api/v1',
        section: 'LLM providers',
        jsonSchema: { pattern: HTTP_URL_PATTERN },
      }),
      OLLAMA_API_BASE_URL: variable(
        httpUrl().check(
          z.refine((v) => {
            // WHATWG URL drops a scheme's default port, so look at the text: host followed by :port.
            const m = /^https?:\/\/(?:[^@/?#]*@)?(?:\[[^\]/?#]*\]|[^:/?#]*):(\d{1,5})(?:[/?#]|$)/i.exec(v);
            return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
          }, 'must name its port explicitly, e.g. http://192.168.25.165:11434/api'),
        ),
        {
          description: 'Ollama API of this deployment: host, explicit port and the /api path',
          default: 'http://192.168.25.165:11434/api',
          // The address of the first deployment's Ollama host: asked for by init, noted by check until confirmed.
          confirmDefault: true,
          section: 'LLM providers',
          // The refinement above, without regex flags: a port of 1 to 65535 written after the host.
          jsonSchema: { pattern: `^[hH][tT][tT][pP][sS]?://(?:[^@/?#]*@)?(?:\\[[^\\]/?#]*\\]|[^:/?#]*):${PORT}(?:[/?#]|$)` },
        },
      ),
      POSTGRES_DB: variable(
        postgresIdentifier().check(
          z.refine(
            (v) => v !== 'template0' && v !== 'template1',
            // Upper case on purpose: a message containing the value is withheld by the loader.
            "must not be one of PostgreSQL's template databases (TEMPLATE0, TEMPLATE1)",
          ),
        ),
        {
          description: 'Database the postgres image creates on first start (read only while its volume is empty)',
          default: 'memu_db',
          section: 'Database',
          jsonSchema: { not: { enum: ['template0', 'template1'] } },
          external: 'the name of the database in the running PostgreSQL (postgres reads POSTGRES_DB only on its first start)',
          externalHint: {
            first:
              'rename the database first (as a superuser connected to another database, nobody connected to it: ' +
              '`ALTER DATABASE <old> RENAME TO <new>;`)',
            aloneWhen: 'the database was never started',
          },
        },
      ),
      POSTGRES_USER: variable(
        postgresIdentifier().check(
          z.refine((v) => !v.startsWith('pg_'), 'must not start with "pg_" (PostgreSQL reserves it for system roles)'),
          z.refine(
            (v) => !RESERVED_ROLES.includes(v),
            `must not be a role name PostgreSQL reserves or an SQL key word (${RESERVED_ROLES.join(', ').toUpperCase()})`,
          ),
        ),
        {
          description: 'Role memu connects as; the postgres image creates it on first start only',
          default: 'memu_production_user',
          section: 'Database',
          jsonSchema: { not: { anyOf: [{ pattern: '^pg_' }, { enum: RESERVED_ROLES }] } },
          external: 'the name of the role in the running PostgreSQL (postgres reads POSTGRES_USER only on its first start)',
          externalHint: {
            first: 'rename the role first (as a superuser, memu stopped: `ALTER ROLE <old> RENAME TO <new>;`)',
            // Rotated only after the file names the new role: the rotation logs in as POSTGRES_USER.
            then: ['then (a rename clears an MD5 password) ', { rotate: 'POSTGRES_PASSWORD' }],
            aloneWhen: 'the database was never started',
          },
        },
      ),
      POSTGRES_PASSWORD: variable(
        z.string().check(
          z.minLength(32),
          z.regex(KEY_CHARS, 'may only contain A-Z a-z 0-9 _ - (read the same by every .env reader and needs no encoding in MEMU_DB_URL)'),
        ),
        {
          description: 'Password of POSTGRES_USER (generated); change it only with `envkit rotate POSTGRES_PASSWORD`',
          secret: true,
          generate: () => generatePassword(),
          external: 'the password of POSTGRES_USER in the running database (postgres reads POSTGRES_PASSWORD only on its first start)',
          externalHint: { rotate: 'POSTGRES_PASSWORD' },
          section: 'Database',
          placeholders: ['your-strong-password-here', 'your_secure_password_here', 'your_password'],
        },
      ),
      MEMU_DB_URL: variable(
        z.string().check(
          z.startsWith('postgresql+psycopg://', 'must start with postgresql+psycopg:// (memu connects with psycopg 3)'),
          z.superRefine((v, ctx) => {
            if (!v.startsWith('postgresql+psycopg://')) return; // reported above
            try {
              parsePostgresUrl(v);
            } catch (error) {
              // parsePostgresUrl's messages never contain the URL.
              const why = error instanceof EnvkitError ? error.message : 'cannot be parsed';
              ctx.addIssue({ code: 'custom', message: `is not a valid PostgreSQL URL: ${why}` });
              return;
            }
            if (v.includes('%')) {
              ctx.addIssue({ code: 'custom', message: 'must not contain "%" (Alembic rejects it); use a password of A-Z a-z 0-9 _ -' });
            }
          }),
        ),
        {
          description: 'SQLAlchemy URL memu connects with, derived from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB',
          secret: true,
          jsonSchema: { not: { pattern: '%' } },
          derive: createMemuDbUrlDerive({
            ...(options.dbHost === undefined ? {} : { host: options.dbHost }),
            ...(options.dbPort === undefined ? {} : { port: options.dbPort }),
          }),
          section: 'Database',
        },
      ),
      MEMU_MEMORY_LIMIT: variable(memoryLimit(), {
        description: 'Memory limit of the memu container (compose mem_limit: a number and b, k, m or g)',
        default: '2g',
        section: 'Resources',
      }),
      DB_MEMORY_LIMIT: variable(memoryLimit(), {
        description: 'Memory limit of the db container (compose mem_limit: a number and b, k, m or g)',
        default: '1g',
        section: 'Resources',
      }),
    },
    { sections: ['LLM providers', 'Database', 'Resources'], profile: memuProfile },
  );
}

/**
 * The memu deployment's ten variables: LLM provider keys and endpoints, the PostgreSQL credentials
 * with the derived `MEMU_DB_URL`, and the containers' memory limits.
 *
 * @example
 * const env = loadEnv(memuSchema, { path: '.env' });
 */
export const memuSchema = createMemuSchema();

/** The typed values of a loaded memu environment. */
export type MemuEnv = InferEnv<typeof memuSchema>;
