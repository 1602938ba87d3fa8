import 'reflect-metadata';
import { runMigrateCli } from '@mch/data-schema-migrations';
import { runWeaviateIndexer } from '@mch/feature-weaviate-indexer';

// Consumes the opportunity and contract-document topics into Weaviate:
//   main.js                 the streaming service (Job mode instead when MIGRATION_ID is set)
//   main.js job             Job mode: index up to the topics' current end, then exit (run id from
//                           MIGRATION_ID, else derived from MIGRATION_RUN)
//   main.js backup | restore | delete-run ...   the rollback commands (Weaviate only)
//   main.js migrate up|status|down   the schema migrations
// Its processing log lives in PostgreSQL; the service and Job modes check the schema at boot.
const [command, ...args] = process.argv.slice(2);
if (command === 'migrate') runMigrateCli(args);
else runWeaviateIndexer(process.argv.slice(2));
