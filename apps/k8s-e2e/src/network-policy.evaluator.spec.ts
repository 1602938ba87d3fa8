import {
  allows,
  cidrContains,
  isolated,
  namespaceLabels,
  selects,
  type NetworkPolicy,
  type PodEndpoint,
} from './network-policy.evaluator';

const pod = (labels: Record<string, string>, namespace = 'app'): PodEndpoint => ({
  kind: 'pod',
  namespace,
  namespaceLabels: namespaceLabels(namespace),
  labels,
});
const policy = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
  metadata: { name, namespace: 'app' },
  spec,
});
const tcp = (port: number) => ({ protocol: 'TCP' as const, port });

describe('NetworkPolicy semantics', () => {
  const api = pod({ app: 'api' });
  const db = pod({ app: 'db' }, 'data');

  it('allows everything to a pod no policy selects, and nothing but what is allowed once one does', () => {
    expect(allows([], 'Egress', api, db, tcp(5432))).toBe(true);
    const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(isolated([deny], 'Egress', api)).toBe(true);
    expect(allows([deny], 'Egress', api, db, tcp(5432))).toBe(false);
    expect(allows([deny], 'Ingress', api, db, tcp(3000))).toBe(false);
  });

  it('defaults policyTypes to Ingress, plus Egress only when egress rules are given', () => {
    const ingressOnly = policy('i', { podSelector: {} });
    expect(isolated([ingressOnly], 'Ingress', api)).toBe(true);
    expect(isolated([ingressOnly], 'Egress', api)).toBe(false);
    expect(isolated([policy('e', { podSelector: {}, egress: [] })], 'Egress', api)).toBe(true);
  });

  it('ANDs a namespaceSelector and a podSelector in one peer, and ORs separate peers', () => {
    const and = policy('and', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: namespaceLabels('data') },
              podSelector: { matchLabels: { app: 'db' } },
            },
          ],
        },
      ],
    });
    expect(allows([and], 'Egress', api, db, tcp(5432))).toBe(true);
    expect(allows([and], 'Egress', api, pod({ app: 'other' }, 'data'), tcp(5432))).toBe(false);
    expect(allows([and], 'Egress', api, pod({ app: 'db' }, 'app'), tcp(5432))).toBe(false);
    const or = policy('or', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: namespaceLabels('data') } },
            { podSelector: { matchLabels: { app: 'db' } } },
          ],
        },
      ],
    });
    expect(allows([or], 'Egress', api, pod({ app: 'other' }, 'data'), tcp(1))).toBe(true);
    expect(allows([or], 'Egress', api, pod({ app: 'db' }, 'app'), tcp(1))).toBe(true);
    expect(allows([or], 'Egress', api, pod({ app: 'db' }, 'elsewhere'), tcp(1))).toBe(false);
  });

  it('matches ports by protocol (TCP by default) and range, and ipBlocks only addresses outside the pods', () => {
    const p = policy('p', {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 8000, endPort: 8100 },
          ],
        },
      ],
    });
    const ip = (address: string) => ({ kind: 'ip' as const, ip: address });
    expect(allows([p], 'Egress', api, ip('10.2.3.4'), { protocol: 'UDP', port: 53 })).toBe(true);
    expect(allows([p], 'Egress', api, ip('10.2.3.4'), tcp(53))).toBe(false);
    expect(allows([p], 'Egress', api, ip('10.2.3.4'), tcp(8050))).toBe(true);
    expect(allows([p], 'Egress', api, ip('10.1.3.4'), tcp(8050))).toBe(false);
    expect(allows([p], 'Egress', api, db, tcp(8050))).toBe(false);
    expect(allows([p], 'Egress', pod({ app: 'batch' }), ip('8.8.8.8'), tcp(443))).toBe(true);
  });

  it('evaluates label selectors and CIDRs', () => {
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'a', operator: 'NotIn', values: ['x'] },
            { key: 'b', operator: 'Exists' },
          ],
        },
        { a: 'y', b: '' },
      ),
    ).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, { b: '1' })).toBe(false);
    expect(cidrContains('192.0.2.10/32', '192.0.2.10')).toBe(true);
    expect(cidrContains('192.0.2.10/32', '192.0.2.11')).toBe(false);
    expect(cidrContains('198.51.100.0/24', '198.51.100.255')).toBe(true);
  });
});
