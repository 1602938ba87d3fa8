// Shared Jest settings. Each project calls makeJestConfig(__dirname, kind) so unit specs and
// integration specs stay in separate targets while sharing one transform and one alias map.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const workspaceRoot = __dirname;

function aliasMapper() {
  const mapper = {};
  for (const [alias, targets] of Object.entries(compilerOptions.paths ?? {})) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    mapper[`^${escaped}$`] = path.join(workspaceRoot, targets[0]);
  }
  return mapper;
}

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

function makeJestConfig(projectRoot, kind = 'unit') {
  const integration = kind === 'integration';
  return {
    displayName: `${path.relative(workspaceRoot, projectRoot)}:${kind}`,
    rootDir: projectRoot,
    testEnvironment: 'node',
    transform: { '^.+\\.[tj]s$': swcTransform },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: { ...aliasMapper(), '^@platformatic/kafka$': path.join(workspaceRoot, 'tools/scripts/jest-platformatic-kafka.js') },
    // ESM-only packages required by CommonJS dependencies (weaviate-client needs uuid 13); Node
    // loads them natively, Jest's module system needs them transformed.
    transformIgnorePatterns: ['/node_modules/(?!(uuid)/)'],
    testMatch: integration ? ['<rootDir>/**/*.integration-spec.ts'] : ['<rootDir>/**/*.spec.ts'],
    testTimeout: integration ? 120_000 : 10_000,
    setupFiles: [path.join(workspaceRoot, 'tools/scripts/jest-setup.js')],
    // --forceExit would hide leaked sockets, timers and processes: they are recorded for the summary.
    reporters: ['default', path.join(workspaceRoot, 'tools/scripts/open-handles.reporter.js')],
  };
}

module.exports = { makeJestConfig, workspaceRoot };
