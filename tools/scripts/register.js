// Runs TypeScript entry points (apps, CLIs, tools) with the workspace's path aliases and
// decorator metadata, without a separate build step: node -r ./tools/scripts/register.js file.ts
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '../../tsconfig.base.json');
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
require('@swc-node/register');
require('reflect-metadata');
// kafkajs's TimeoutNegativeWarning on Node 24 is routed into the JSON logs by createKafka
// (routeProcessWarnings in @mch/util-logger), the same way in the built image.
