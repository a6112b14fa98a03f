/**
 * When a target is taken out of rotation and how it comes back. Field names follow Envoy's
 * `outlier_detection.proto` (STYLE.md "What we take" §2); the config schema defines the same shape.
 */
export interface OutlierPolicy {
  /** Eject after this many target faults in a row (Envoy `consecutive_5xx`, for our verdict). Default 3. */
  consecutiveTargetFaults: number;
  /** Eject after this many transient faults in a row (5xx, reset, timeout). Default 5. */
  consecutiveTransient: number;
  /** Eject when the share of failed answers in a sliding window is too high (Envoy `failure_percentage_*`). */
  failureRate: {
    /** Failure share in [0, 1] at or above which the target is ejected. Default 0.5. */
    threshold: number;
    /** Answers the window must hold before the rate is trusted. Default 20. */
    minRequests: number;
    /** Length of the sliding window, in ms. Default 30000. */
    windowMs: number;
  };
  /** First ejection time in ms; the n-th ejection in a row lasts n × this (Envoy `base_ejection_time`). Default 30000. */
  baseEjectionMs: number;
  /** Upper bound of base × n, in ms (Envoy `max_ejection_time`). Also the clean-service time after which the count of ejections resets. Default 300000. */
  maxEjectionMs: number;
  /** Random extra ejection time in [0, this) ms, so targets ejected together do not return together (Envoy `max_ejection_time_jitter`). Default 1000. */
  maxEjectionJitterMs: number;
  /** At most this percentage of an alias's targets may be out at once; at least one always may (Envoy `max_ejection_percent`). Default 100 (see the config schema for why). */
  maxEjectionPercent: number;
  /** Active health checks of targets that are out of rotation (never of targets in it). */
  healthCheck: {
    /** Off: a target returns to rotation as soon as its ejection ends (passive only). Default true. */
    enabled: boolean;
    /** Time between checks of one target while its checks succeed, in ms. Default 5000. */
    intervalMs: number;
    /** Successful checks in a row that re-admit a target (Envoy `healthy_threshold`). Default 2. */
    healthyThreshold: number;
  };
}

export const DEFAULT_OUTLIER_POLICY: OutlierPolicy = Object.freeze({
  consecutiveTargetFaults: 3,
  consecutiveTransient: 5,
  failureRate: Object.freeze({ threshold: 0.5, minRequests: 20, windowMs: 30_000 }),
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectionJitterMs: 1_000,
  maxEjectionPercent: 100,
  healthCheck: Object.freeze({ enabled: true, intervalMs: 5_000, healthyThreshold: 2 }),
});
