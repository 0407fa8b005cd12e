import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { pino, type Logger, type DestinationStream } from 'pino';
import { createPrettyStream } from './pretty-stream.js';

export type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where to write; defaults to stdout. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

interface TraceContext {
  readonly traceId: string;
}

const traceStorage = new AsyncLocalStorage<TraceContext>();

/** A new 16-byte trace id in the W3C trace-context format (32 hex characters). */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** Runs `work` with `traceId` attached to every log line written inside it (through the logger's mixin). */
export function withTraceId<Result>(traceId: string, work: () => Result): Result {
  return traceStorage.run({ traceId }, work);
}

export function currentTraceId(): string | undefined {
  return traceStorage.getStore()?.traceId;
}

/** Key paths that never reach a log line, whatever object they appear in. */
export const redactedPaths = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'replication_password',
  '*.replication_password',
  '*.*.replication_password',
  '*.*.*.replication_password',
  'replicationPassword',
  '*.replicationPassword',
  '*.*.replicationPassword',
  '*.*.*.replicationPassword',
  'authToken',
  '*.authToken',
  '*.*.authToken',
  'auth_token',
  '*.auth_token',
  '*.*.auth_token',
  'readOnlyTokens',
  '*.readOnlyTokens',
  '*.*.readOnlyTokens',
  'read_only_tokens',
  '*.read_only_tokens',
  '*.*.read_only_tokens',
  'req.headers.authorization',
];

export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions = {
    level: options.level,
    base: { service: 'core-sync' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    // One field for errors, `error`: an Error logged there keeps its type, message, stack and causes (pino's
    // serializer for `err`); a described error (describeError) is text and stays as it is.
    serializers: { error: pino.stdSerializers.err },
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: () => {
      const traceId = currentTraceId();
      return traceId === undefined ? {} : { traceId };
    },
  };
  if (options.destination !== undefined) return pino(pinoOptions, options.destination);
  if (options.format === 'pretty') return pino(pinoOptions, createPrettyStream());
  return pino(pinoOptions, pino.destination({ dest: 1, sync: false }));
}
