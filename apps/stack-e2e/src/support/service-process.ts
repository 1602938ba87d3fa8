// Moved to @mch/testing-stack (shared with apps/fault-e2e); re-exported for this app's specs.
export {
  WORKSPACE_ROOT,
  TEST_API_TOKEN,
  bearer,
  startService,
  httpStatus,
  waitFor,
  type ServiceProcess,
} from '@mch/testing-stack';
