import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on a registry owned by one app instance. */
export interface Metrics {
  registry: Registry;
  decisions: Counter<'decision' | 'operation' | 'access_type'>;
  signingDuration: Histogram<'operation'>;
  requestErrors: Counter<'code'>;
  policiesLoaded: Gauge;
  policyLoadTime: Gauge;
  policySetInfo: Gauge<'version'>;
  policyReloads: Counter<'result'>;
  auditFailures: Counter;
  credentialRefreshes: Counter<'target' | 'result'>;
  credentialsExpiry: Gauge<'target'>;
}

/**
 * Creates the metrics. Labels are bounded sets (decision, operation, access type, error
 * code, configured target name): never a user, a key or a token.
 */
export function createMetrics(options: { processMetrics: boolean } = { processMetrics: true }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  return {
    registry,
    decisions: new Counter({
      name: 'openraz_decisions_total',
      help: 'Authorization decisions, by decision (allow or deny), S3 operation and access type.',
      labelNames: ['decision', 'operation', 'access_type'] as const,
      registers: [registry],
    }),
    signingDuration: new Histogram({
      name: 'openraz_signing_duration_seconds',
      help: 'Time to build and sign one presigned request, in seconds.',
      labelNames: ['operation'] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    requestErrors: new Counter({
      name: 'openraz_request_errors_total',
      help: 'Error responses, by error code.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    policiesLoaded: new Gauge({
      name: 'openraz_policies_loaded',
      help: 'Enabled policies in the policy set that is serving.',
      registers: [registry],
    }),
    policyLoadTime: new Gauge({
      name: 'openraz_policy_load_timestamp_seconds',
      help: 'When the serving policy set was loaded, as a Unix time in seconds.',
      registers: [registry],
    }),
    policySetInfo: new Gauge({
      name: 'openraz_policy_set_info',
      help: 'Always 1; the label version is the SHA-256 of the serving policy files.',
      labelNames: ['version'] as const,
      registers: [registry],
    }),
    auditFailures: new Counter({
      name: 'openraz_audit_write_failures_total',
      help: 'Audit lines that could not be written to the audit destination.',
      registers: [registry],
    }),
    policyReloads: new Counter({
      name: 'openraz_policy_reloads_total',
      help: 'Policy reload attempts, by result: loaded, unchanged or failed (the last good set keeps serving).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    credentialRefreshes: new Counter({
      name: 'openraz_credential_refreshes_total',
      help: 'Storage credential fetches, by target and result: loaded (new credentials), unchanged (the source returned the same ones) or failed.',
      labelNames: ['target', 'result'] as const,
      registers: [registry],
    }),
    credentialsExpiry: new Gauge({
      name: 'openraz_credentials_expiry_timestamp_seconds',
      help: 'When the current storage credentials of a target expire, as a Unix time in seconds; absent for long-term keys.',
      labelNames: ['target'] as const,
      registers: [registry],
    }),
  };
}

/** Points the policy set gauges at `info`, the set now serving. */
export function recordPolicySet(metrics: Metrics, info: { version: string; loadedAt: Date; policyCount: number }): void {
  metrics.policiesLoaded.set(info.policyCount);
  metrics.policyLoadTime.set(info.loadedAt.getTime() / 1000);
  metrics.policySetInfo.reset();
  metrics.policySetInfo.set({ version: info.version }, 1);
}
