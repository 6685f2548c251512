/** Prometheus metrics: HTTP and job counters and histograms, one registry per app. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'assetport_http_requests_total', help: 'HTTP requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpErrors = new Counter({ name: 'assetport_http_errors_total', help: 'Error answers by front door (native, roma, iam, snaplogic, ops) and error code.', labelNames: ['door', 'code'], registers: [this.registry] });
  readonly doorRequests = new Counter({ name: 'assetport_door_requests_total', help: 'Requests by front door (native, roma, iam, snaplogic, ops).', labelNames: ['door'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'assetport_http_request_duration_seconds', help: 'HTTP request duration.', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly jobsFinished = new Counter({ name: 'assetport_jobs_finished_total', help: 'Jobs finished by this process, by kind and outcome.', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  readonly jobDuration = new Histogram({ name: 'assetport_job_duration_seconds', help: 'Job run time in this process.', labelNames: ['kind'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900], registers: [this.registry] });
  readonly jobsEnqueued = new Counter({ name: 'assetport_jobs_enqueued_total', help: 'Jobs enqueued through this process, by kind.', labelNames: ['kind'], registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'assetport_' });
  }
}
