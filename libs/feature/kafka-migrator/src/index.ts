export * from './kafka-migrator.config';
export * from './kafka-migrator.module';
export * from './backfill.job';
export * from './operator.commands';
export * from './migrator.wiring';
export * from './replay-dead-letters.command';
export * from './resnapshot.command';
export * from './kafka-migrator.commands';
