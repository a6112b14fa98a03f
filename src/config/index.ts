export { type DemoOptions, demoConfig } from './demo.js';
export type { Env } from './env-substitution.js';
export { configFromObject, loadConfig, parseConfig } from './load.js';
export {
  type AliasConfig,
  type AuthConfig,
  type Config,
  ConfigSchema,
  DEFAULT_METHODS,
  type HealthConfig,
  LOG_LEVELS,
  type RoutingConfig,
  type ServerConfig,
  STAGES,
  type Stage,
  type TargetConfig,
  type UpstreamConfig,
} from './schema.js';
export { hashSecret, secretMatches } from './secret.js';
export { configWarnings } from './warnings.js';
