import type { HealthConfig } from '../config/schema.js';

/**
 * When a target is taken out of rotation and how it comes back: the config's `health` section, whose schema
 * (config/schema.ts) documents every field, its unit and its default in Envoy's words (`outlier_detection.proto`).
 * The health-check request and timeout belong to the checker, not to this policy.
 */
export type OutlierPolicy = Omit<HealthConfig, 'healthCheck'> & {
  healthCheck: Pick<HealthConfig['healthCheck'], 'enabled' | 'intervalMs' | 'healthyThreshold'>;
};
