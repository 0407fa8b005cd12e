export { buildApp, type App, type AppDependencies } from './app.js';
export { assessHealth, type HealthReport } from './health.js';
