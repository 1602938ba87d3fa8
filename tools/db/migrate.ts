// Applies, reverts or lists the toolkit's schema migrations (016-020) on the database named by the
// PG* variables:  node -r ./tools/scripts/register.js tools/db/migrate.ts up|down [steps]|status
// (the same command every app image runs as `migrate ...`, e.g. the k8s schema-migrate Job).
import 'reflect-metadata';
import { runMigrateCli } from '@mch/data-schema-migrations';

const args = process.argv.slice(2);
runMigrateCli(args.length > 0 ? args : ['status']);
