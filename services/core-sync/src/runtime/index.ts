export { limitHeapGrowth, defaultHeapGrowingPercent } from './heap-policy.js';
