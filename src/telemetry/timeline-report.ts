import type { OperatorStore } from '../store/operator-store.js';
import type { TimelineEntry } from '../timeline/timeline.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/**
 * What each timeline entry becomes outside the dashboard: one log line (warn for trouble), the ejection counters,
 * and — for the gateway's own ejections and re-admissions — a line in the durable audit log (operators' pulls are
 * audited by the store as they are made). A decision adopted from another replica is only logged (info): the
 * replica that made it counts and audits it, so a fleet's audit log and summed counters hold each decision once.
 */
export function reportTimeline(
  entry: TimelineEntry,
  out: { log: Logger; metrics: Metrics; operator: OperatorStore },
): void {
  const { log, metrics, operator } = out;
  const where = { alias: entry.alias, upstream: entry.upstream, model: entry.model };
  if (entry.adopted) {
    const until = entry.until === undefined ? {} : { until: new Date(entry.until).toISOString() };
    log.info(
      { event: `${entry.kind}_adopted`, ...where, by: entry.actor, ...until, reason: entry.reason },
      `${entry.kind} by ${entry.actor}, applied here`,
    );
    return;
  }
  switch (entry.kind) {
    case 'ejected':
      metrics.count(metrics.ejectionsDetected, entry.alias ?? '', entry.model ?? '');
      metrics.count(metrics.ejectionsEnforced, entry.alias ?? '', entry.model ?? '');
      log.warn(
        { event: 'ejected', ...where, until: new Date(entry.until ?? 0).toISOString(), reason: entry.reason },
        'target ejected',
      );
      operator.append({
        actor: entry.actor,
        action: 'eject',
        alias: entry.alias ?? '',
        model: entry.model ?? '',
        reason: entry.reason,
        ...(entry.until !== undefined ? { until: entry.until } : {}),
      });
      return;
    case 'ejection_overflow':
      metrics.count(metrics.ejectionsDetected, entry.alias ?? '', entry.model ?? '');
      metrics.count(metrics.ejectionsOverflow, entry.alias ?? '', entry.model ?? '');
      log.warn(
        { event: 'ejection_overflow', ...where, reason: entry.reason },
        'ejection detected, not enforced',
      );
      return;
    case 'readmitted':
      log.info({ event: 'readmitted', ...where, reason: entry.reason }, 'target re-admitted');
      operator.append({
        actor: entry.actor,
        action: 'readmit',
        alias: entry.alias ?? '',
        model: entry.model ?? '',
        reason: entry.reason,
      });
      return;
    case 'checking':
      log.info({ event: 'health_checking', ...where }, 'ejection ended; health checks begin');
      return;
    case 'health_check':
      log.info({ event: 'health_check', ...where, ok: entry.ok, reason: entry.reason }, 'health check');
      return;
    default:
      log.info({ event: entry.kind, ...where, actor: entry.actor, reason: entry.reason }, entry.kind);
  }
}
