export { createMetrics, recordPolicySet, type Metrics } from './metrics.js';
