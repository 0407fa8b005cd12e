import { Writable } from 'node:stream';

/** Fields printed in the line's head rather than as key=value pairs. */
const headFields = new Set(['time', 'level', 'msg', 'service', 'component', 'pid', 'hostname']);

/**
 * Turns pino's JSON lines into one readable line each — `12:00:01 INFO  pipeline  copied table table=users` —
 * for the demo and local runs. Production logs stay JSON.
 */
export function createPrettyStream(output: NodeJS.WritableStream = process.stdout): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim().length === 0) continue;
        output.write(`${formatLine(line)}\n`);
      }
      callback();
    },
  });
}

export function formatLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = (typeof record.level === 'string' ? record.level : String(record.level))
    .toUpperCase()
    .padEnd(5);
  const component = typeof record.component === 'string' ? record.component.padEnd(10) : ''.padEnd(10);
  const fields = Object.entries(record)
    .filter(([key]) => !headFields.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const message = typeof record.msg === 'string' ? record.msg : '';
  return `${time} ${level} ${component} ${message}${fields.length > 0 ? `  ${fields}` : ''}`;
}
