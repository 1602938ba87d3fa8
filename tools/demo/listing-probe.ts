/**
 * The backfill latency guard's probe in the demo: the monolith's listing page (the workload's
 * 'agency search'), the same text as BACKFILL_LATENCY_PROBE_SQL in k8s/base/mch-config.env, so
 * the demo runs the backfill the way the manifests do (listing-probe.spec.ts holds them equal).
 */
export const MONOLITH_LISTING_PROBE_SQL =
  "SELECT id, title, agency, naics_code, response_deadline FROM opportunities WHERE status = 'active' AND agency = 'VETERANS AFFAIRS, DEPARTMENT OF' ORDER BY response_deadline LIMIT 20";
