// What a cluster's Service DNS name resolves to, here: `http://<service>.<namespace>.svc:<port>` ->
// the pod's host port for the Service port's targetPort (a number or the container port's name).
import { hostPortOf, type LongRunningPod, type RenderedOverlay } from '@mch/testing-k8s-harness';

export function serviceUrlRewrite(overlay: RenderedOverlay, backends: Record<string, LongRunningPod>): (url: string) => string {
  return (url) => {
    const parsed = new URL(url);
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?$/.exec(parsed.hostname);
    if (!m) throw new Error(`${url} is not a Service URL`);
    const [, name, namespace] = m;
    if (namespace !== overlay.namespace) throw new Error(`${url}: namespace ${namespace}, the overlay's is ${overlay.namespace}`);
    const service = overlay.find('Service', name) as { spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } } | undefined;
    if (!service) throw new Error(`${url}: ${overlay.path} renders no Service ${name}`);
    const port = Number(parsed.port || 80);
    const servicePort = service.spec?.ports?.find((p) => p.port === port);
    if (!servicePort) throw new Error(`${url}: Service ${name} has no port ${port}`);
    const pod = backends[name];
    if (!pod) throw new Error(`${url}: no pod stands behind Service ${name} in this test`);
    // The Service reaches the pod only if its selector matches the pod's labels.
    const labels = pod.plan.pod.labels;
    const unmatched = Object.entries(service.spec?.selector ?? {}).filter(([k, v]) => labels[k] !== v);
    if (!service.spec?.selector || unmatched.length > 0) throw new Error(`${url}: Service ${name}'s selector does not select the pod (${JSON.stringify(unmatched)})`);
    const host = hostPortOf(pod.plan, servicePort.targetPort ?? port);
    return `http://127.0.0.1:${host}${parsed.pathname}${parsed.search}`;
  };
}
