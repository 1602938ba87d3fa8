import { affectedBy, dependentsOf, readProjectGraph, type ProjectGraph } from './nx-cli';

// `nx affected` decides what CI tests. These run the real `nx show projects --affected --files=…`
// against the real project graph: a lib change must select everything that imports it, and the
// end-to-end suites must be selected by any change they exercise (apps, libs, manifests, image).
const E2E = ['fault-e2e', 'k8s-e2e', 'stack-e2e'];
const NX_TIMEOUT = 120_000;

describe('nx affected', () => {
  let graph: ProjectGraph;
  const affected: Record<string, string[]> = {};
  const files = [
    'libs/util/config/src/load-config.ts',
    'libs/data/consumer-loop/src/index.ts',
    'k8s/base/kustomization.yaml',
    'Dockerfile',
    'docs/architecture.md',
  ];

  beforeAll(async () => {
    graph = await readProjectGraph();
    // One nx process per file, side by side: each answer is what CI would compute for that change.
    const answers = await Promise.all(files.map((f) => affectedBy(f)));
    files.forEach((f, i) => (affected[f] = answers[i]));
  }, NX_TIMEOUT);

  it('sees the imports between projects (the graph has edges)', () => {
    expect(graph['kafka-migrator'].dependsOn).toEqual(expect.arrayContaining(['feature-kafka-migrator', 'nest-bootstrap']));
    expect(graph['feature-kafka-migrator'].dependsOn).toEqual(
      expect.arrayContaining(['data-kafka-migration', 'data-consumer-loop', 'util-config']),
    );
  });

  it('a util lib change selects every project that depends on it, transitively', () => {
    const selected = affected['libs/util/config/src/load-config.ts'];
    const expected = dependentsOf(graph, 'util-config');
    expect(selected).toEqual(expect.arrayContaining(expected));
    expect(selected).toEqual(expect.arrayContaining(['util-config', 'kafka-migrator', 'consistency-checker', 'stack-e2e']));
    // Nothing besides its dependents and the end-to-end suites (which every lib change selects).
    expect(selected).toEqual([...new Set([...expected, ...E2E])].sort());
    // util-config is at the bottom: nearly everything is above it.
    expect(selected.length).toBeGreaterThan(Object.keys(graph).length / 2);
  });

  it('a data-consumer-loop change selects its dependents and nothing unrelated', () => {
    const selected = affected['libs/data/consumer-loop/src/index.ts'];
    const expected = dependentsOf(graph, 'data-consumer-loop');
    expect(selected).toEqual([...new Set([...expected, ...E2E])].sort());
    expect(selected).toEqual(
      expect.arrayContaining(['data-consumer-loop', 'feature-kafka-migrator', 'kafka-migrator', 'weaviate-indexer', 'clickhouse-populator']),
    );
    // Below it in the layering: a consumer-loop change cannot break these.
    expect(selected).not.toContain('util-config');
    expect(selected).not.toContain('event-store');
    expect(selected).not.toContain('infra-kafka');
  });

  it('a manifest change selects the manifest tests and the stack e2e suite', () => {
    expect(affected['k8s/base/kustomization.yaml']).toEqual(E2E);
  });

  it('a Dockerfile change selects the manifest tests and the stack e2e suite', () => {
    expect(affected['Dockerfile']).toEqual(E2E);
  });

  it('a change to docs selects nothing (the selection is not simply "everything")', () => {
    expect(affected['docs/architecture.md']).toEqual([]);
  });
});
