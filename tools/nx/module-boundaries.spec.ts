import { dependentsOf, lintAs, readProjectGraph, type ProjectGraph } from './nx-cli';

// The layering in eslint.config.mjs is only as good as @nx/enforce-module-boundaries' view of the
// imports. Each case lints a one-import probe as if it were a file of the named lib, with the
// workspace's own ESLint config and the project graph nx computes.
const RULE = '@nx/enforce-module-boundaries';
const TIMEOUT = 120_000;

function probe(specifier: string): string {
  return `import * as probe from '${specifier}';\n\nexport const probed = probe;\n`;
}

describe('module boundaries', () => {
  let graph: ProjectGraph;

  beforeAll(async () => {
    // Also writes the cached graph the rule reads when ESLint runs outside nx.
    graph = await readProjectGraph();
  }, TIMEOUT);

  it('a data-access lib importing a feature lib fails lint, naming the layering rule', async () => {
    // Preconditions that keep this about layering, not a cycle (which the rule reports instead).
    expect(graph['data-outbox'].tags).toContain('type:data-access');
    expect(graph['feature-weaviate-indexer'].tags).toContain('type:feature');
    expect(dependentsOf(graph, 'data-outbox')).not.toContain('feature-weaviate-indexer');

    const messages = await lintAs('libs/data/outbox/src/boundary-probe.ts', probe('@mch/feature-weaviate-indexer'));
    expect(messages).toEqual([
      {
        ruleId: RULE,
        message:
          'A project tagged with "type:data-access" can only depend on libs tagged with "type:data-access", "type:util", "type:contracts"',
      },
    ]);
  }, TIMEOUT);

  it('a util lib importing a feature lib fails lint', async () => {
    const messages = await lintAs('libs/util/errors/src/boundary-probe.ts', probe('@mch/feature-kafka-migrator'));
    expect(messages.map((m) => m.ruleId)).toEqual([RULE]);
    // Every feature lib already depends on util-errors, so the rule names the cycle this closes.
    expect(messages[0].message).toMatch(/^Circular dependency between "util-errors" and "feature-kafka-migrator" detected/);
  }, TIMEOUT);

  it('an import that closes a cycle fails lint even where the tags allow it (needs the graph edges)', async () => {
    // util -> util is allowed by tags; util-config already imports util-errors.
    expect(graph['util-config'].dependsOn).toContain('util-errors');
    const messages = await lintAs('libs/util/errors/src/boundary-probe.ts', probe('@mch/util-config'));
    expect(messages).toEqual([
      {
        ruleId: RULE,
        message: 'Circular dependency between "util-errors" and "util-config" detected: util-errors -> util-config -> util-errors',
      },
    ]);
  }, TIMEOUT);

  it('a permitted import (util to a util lib below it) passes lint', async () => {
    expect(dependentsOf(graph, 'util-errors')).not.toContain('util-correlation');
    expect(await lintAs('libs/util/errors/src/boundary-probe.ts', probe('@mch/util-correlation'))).toEqual([]);
  }, TIMEOUT);
});
