import 'reflect-metadata';
import { registerMigrateCommand } from '@mch/data-schema-migrations';
import { registerWeaviateIndexerCommands, runWeaviateIndexer } from '@mch/feature-weaviate-indexer';
import { createCliProgram, defaultAction, runCliProgram } from '@mch/util-cli';

// Consumes the opportunity and contract-document topics into Weaviate. Without a command: the
// streaming service (Job mode instead when MIGRATION_ID is set); `main.js --help` lists `job`, the
// rollback commands (Weaviate only) and `migrate`. Its processing log lives in PostgreSQL; the
// service and Job modes check the schema at boot.
const program = createCliProgram({
  name: 'weaviate-indexer',
  description: 'Kafka -> Weaviate: the streaming service, Job mode, backup/restore/delete-run',
  exitCodes: { 0: 'done', 1: 'failed', 2: 'bad arguments or configuration' },
});
defaultAction(program, () => runWeaviateIndexer([]));
registerWeaviateIndexerCommands(program);
registerMigrateCommand(program);
void runCliProgram(program);
