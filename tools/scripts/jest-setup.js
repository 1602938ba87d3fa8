// NestJS decorators read design-time metadata; load the polyfill before any spec module.
require('reflect-metadata');
// kafkajs warns about its v2 partitioner change on every producer; we pin the default partitioner.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
