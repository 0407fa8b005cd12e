import { z } from 'zod';
import { maximumDurationMs, parseDuration } from './duration.js';
import { problemMessages } from './problems.js';

/** Pieces the configuration's section schemas share (schema.ts, server-schema.ts). */

export const nonEmptyText = z.string().min(1);

/** A duration text or number of milliseconds, read as milliseconds; `defaultText` when absent. */
export function duration(defaultText: string) {
  return z
    .unknown()
    .transform((value, context) => {
      const milliseconds = parseDuration(value);
      if (milliseconds === undefined) {
        context.addIssue({ code: 'custom', message: problemMessages.duration });
        return z.NEVER;
      }
      if (milliseconds < 1 || milliseconds > maximumDurationMs) {
        context.addIssue({ code: 'custom', message: 'must be between 1ms and 24 days' });
        return z.NEVER;
      }
      return milliseconds;
    })
    .prefault(defaultText);
}
