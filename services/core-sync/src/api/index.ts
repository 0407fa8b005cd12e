export { buildApp, bodyLimitBytes, type App, type AppDependencies, type MetricsSource } from './app.js';
export { assessHealth, type HealthReport } from './health.js';
export { requestTraceId } from './trace-id.js';
export { SseHub, sseRetryMs, type SseConnection, type SseHubOptions } from './sse-hub.js';
export type { AuthRateLimitOptions } from './auth-limiter.js';
export { TokenAuthority, type ApiTokens, type Caller } from './auth.js';
export type { ErrorBody, ValidationIssue } from './errors.js';
