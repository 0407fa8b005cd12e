/**
 * The schemas of the configuration routes: the document in the YAML file's shape (secrets as placeholders), what
 * GET /config shows, and what PUT /config answers.
 */
import { z } from 'zod';

export const configDocumentSchema = z.record(z.string(), z.unknown()).meta({
  id: 'ConfigDocument',
  description:
    'The configuration in the YAML file’s shape (snake_case). Passwords read `[redacted]`, tokens `[redacted:<id>]` (the id names the token without revealing it); sent back as they read, they keep the secret they stand for, wherever a token’s placeholder now stands.',
});

export const configViewSchema = z
  .object({
    config: configDocumentSchema,
    restartRequired: z
      .array(z.string())
      .readonly()
      .describe(
        'Key paths whose saved values take effect at the next start of core-sync; every other key is in effect.',
      ),
  })
  .meta({ id: 'ConfigView' });

export const configUpdateResponseSchema = z
  .object({
    applied: z.array(z.string()).readonly().describe('Key paths whose new values are in effect.'),
    restartRequired: z
      .array(z.string())
      .readonly()
      .describe('Key paths saved to the file that take effect after a restart.'),
    config: configDocumentSchema,
  })
  .meta({ id: 'ConfigUpdateResult' });
