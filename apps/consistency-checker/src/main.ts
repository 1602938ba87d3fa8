import 'reflect-metadata';
import { runService } from '@mch/nest-bootstrap';
import { ConsistencyCheckerModule, consistencyCheckerConfigSchema } from '@mch/feature-consistency-checker';

// Compares all four stores on a schedule; the latest report over HTTP, gauges on /metrics.
runService({
  name: 'consistency-checker',
  stores: ['postgres', 'kafka', 'clickhouse', 'weaviate'],
  config: consistencyCheckerConfigSchema,
  imports: [ConsistencyCheckerModule],
});
