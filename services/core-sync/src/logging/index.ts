export {
  createLogger,
  newTraceId,
  withTraceId,
  currentTraceId,
  redactedPaths,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type LogFormat,
} from './logger.js';
export { createPrettyStream, formatLine } from './pretty-stream.js';
