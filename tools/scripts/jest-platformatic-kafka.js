// Loads @platformatic/kafka, an ESM-only npm package, with Node's own require (Node 24 requires ES
// modules natively), outside Jest's module registry: Jest's CommonJS runtime cannot run `export`,
// and transforming the package to CommonJS would break its `import.meta.url` (it reads its WASM
// CRC32C next to itself). process.getBuiltinModule, because Jest's own `module` builtin hands out
// Jest's require. The package then lives in Node's realm, as it does in the apps.
const { createRequire } = process.getBuiltinModule('node:module');

module.exports = createRequire(__filename)('@platformatic/kafka');
