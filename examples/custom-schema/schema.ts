// The environment of a small billing API, defined with envkit. Use it with the CLI:
//   envkit --schema examples/custom-schema/schema.ts -C /srv/billing init
// or import it in the app to validate process.env at start (see ../consume-schema).
import { z } from 'zod';
import { defineSchema, variable, generatePassword } from 'envkit';

export const schema = defineSchema(
  'billing-api',
  {
    PORT: variable(z.coerce.number().int().min(1).max(65535), {
      description: 'Port the HTTP server listens on',
      default: '3000',
      section: 'Server',
    }),
    PUBLIC_URL: variable(z.url({ protocol: /^https?$/ }), {
      description: 'Public base URL, used in links sent to customers',
      default: 'http://localhost:3000',
      section: 'Server',
    }),
    SESSION_SECRET: variable(z.string().min(48).regex(/^[A-Za-z0-9_-]+$/), {
      description: 'Signs session cookies; rotate to log everyone out',
      secret: true,
      generate: () => generatePassword({ length: 48 }),
      section: 'Server',
    }),
    STRIPE_API_KEY: variable(z.string().regex(/^sk_(test|live)_[A-Za-z0-9]+$/).optional(), {
      description: 'Stripe secret key',
      secret: true,
      prompt: true,
      example: 'sk_live_...',
      section: 'Payments',
    }),
  },
  { sections: ['Server', 'Payments'] },
);
