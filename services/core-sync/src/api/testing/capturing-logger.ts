/** A logger for tests that keeps what it writes: JSON lines, with the service's redaction, in memory. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../logging/index.js';

/** A logger writing JSON lines (with the service's redaction) to memory. */
export function capturingLogger(): {
  logger: Logger;
  output: () => string;
  records: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', format: 'json', destination });
  const output = () => chunks.join('');
  const records = () =>
    output()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}
