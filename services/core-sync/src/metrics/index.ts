export { createServiceMetrics, type ServiceMetrics, type ServiceMetricsOptions } from './service-metrics.js';
export type { EventStreamCap, EventStreamDropReason, EventStreamMetrics } from './event-stream-metrics.js';
