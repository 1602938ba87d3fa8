import type { Logger } from './json-logger';

/**
 * Known warnings that change nothing: logged at debug with the reason instead of as warnings.
 * kafkajs 2.2.4 (its last release) schedules its request-queue check with a negative delay when
 * nothing is throttled; Node 24 warns and runs it after 1 ms, which is what kafkajs meant.
 */
const BENIGN: { name: string; stackIncludes: string; why: string }[] = [
  {
    name: 'TimeoutNegativeWarning',
    stackIncludes: 'kafkajs/src/network/requestQueue',
    why: 'kafkajs 2.2.4 schedules its unthrottled queue check with a negative delay; Node runs it after 1 ms as intended',
  },
];

let routedTo: Logger | null = null;

/**
 * Node prints process warnings to stderr as plain text, outside the JSON log stream and without a
 * correlation id. This replaces that printer (once per process) with log lines: level warn, or
 * debug for the known-benign ones above, so a clean run prints no warning that means nothing.
 */
export function routeProcessWarnings(logger: Logger): void {
  if (routedTo) return;
  routedTo = logger;
  for (const listener of process.listeners('warning')) process.removeListener('warning', listener);
  process.on('warning', (warning: Error & { code?: string }) => {
    const benign = BENIGN.find((b) => b.name === warning.name && (warning.stack ?? '').includes(b.stackIncludes));
    const fields = { warning: warning.name, ...(warning.code ? { code: warning.code } : {}) };
    if (benign) logger.debug(`node warning (benign): ${warning.message}`, { ...fields, why: benign.why });
    else logger.warn(`node warning: ${warning.message}`, { ...fields, stack: warning.stack });
  });
}
