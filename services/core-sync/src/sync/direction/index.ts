export { DirectionPipeline } from './direction-pipeline.js';
export type { DirectionPipelineOptions } from './direction-context.js';
export { oneWayPlan, type DirectionFacts, type DirectionPlan, type TableFacts } from './start-facts.js';
export { historyReaderServerId } from './stream-wiring.js';
export { SchemaChangeLog } from './schema-change-log.js';
