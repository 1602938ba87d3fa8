// Runs TypeScript entry points (apps, CLIs, tools) with the workspace's path aliases and
// decorator metadata, without a separate build step: node -r ./tools/scripts/register.js file.ts
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '../../tsconfig.base.json');
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
require('@swc-node/register');
require('reflect-metadata');
// kafkajs 2.2 on Node 24 schedules a negative timeout in its request queue; Node clamps it to
// 1 ms and prints a TimeoutNegativeWarning each time. Harmless, and it breaks JSON log output.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const name = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'TimeoutNegativeWarning') return;
  return emitWarning.call(process, warning, ...rest);
};
