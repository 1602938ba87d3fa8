export * from './online-ddl';
export * from './schema-migrations';
export * from './schema-status';
export * from './migrate.cli';
export { EventSourcingInfrastructure1764000000016 } from './migrations/016-event-sourcing-infrastructure.migration';
export { MicroservicesTracking1764000000017 } from './migrations/017-microservices-tracking.migration';
export { MigrationState1764000000018 } from './migrations/018-migration-state.migration';
export { ConsistencyCheckRuns1764000000019 } from './migrations/019-consistency-check-runs.migration';
export { ProcessingStatusView1764000000020 } from './migrations/020-processing-status-view.migration';
