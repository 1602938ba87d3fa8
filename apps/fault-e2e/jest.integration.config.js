// The fault campaign runs against its own stack instance (tools/stack/fault-stack.sh): the setup
// file brings it up when it is down and points every client of the spec process at it.
const config = require('../../jest.preset').makeJestConfig(__dirname, 'integration');
module.exports = { ...config, setupFiles: [...config.setupFiles, '<rootDir>/src/support/fault-stack.setup.ts'] };
