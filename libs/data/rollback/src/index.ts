export * from './rollback.types';
export * from './rollback-participant';
export * from './rollback-request';
export * from './kafka/consumer-group.admin';
export * from './rollback-planner';
export * from './rollback-run.store';
export * from './rollback-executor';
export * from './rollback-plan.format';
