// A Jest reporter that records what would have kept the test process alive. The nx targets run Jest
// with --forceExit (a stuck consumer must not hang CI for the full time bound), which also hides a
// test that leaks a socket, a timer or a child process. Every async resource created while a test
// file runs is tracked (type and file, no stack: cheap enough to leave on); at the end, those still
// alive and holding the event loop are written beside the JSON report (<report>.open-handles.txt,
// "<type> <count> <test file>" a line), and the test summary lists them. Only in-band runs are seen
// (integration targets run --runInBand; unit specs may run in workers).
const fs = require('node:fs');
const path = require('node:path');
const asyncHooks = require('node:async_hooks');

// Jest itself prints "did not exit one second after the test run has completed": same grace here,
// so a handle an afterAll is still closing is not reported.
const GRACE_MS = 1_000;
// Resources that never keep the process alive or are not the tests' own.
const IGNORED = new Set(['PROMISE', 'TIMERWRAP', 'ELDHISTOGRAM', 'PerformanceObserver', 'RANDOMBYTESREQUEST', 'DNSCHANNEL', 'ZLIB', 'SIGNREQUEST', 'TickObject', 'Microtask']);

class OpenHandlesReporter {
  constructor(globalConfig) {
    this.outputFile = globalConfig.outputFile;
    this.rootDir = globalConfig.rootDir;
    this.currentFile = null;
    this.live = new Map();
    this.hook = asyncHooks.createHook({
      init: (id, type, _trigger, resource) => {
        if (this.currentFile === null || IGNORED.has(type)) return;
        this.live.set(id, { type, resource, file: this.currentFile });
      },
      destroy: (id) => {
        this.live.delete(id);
      },
    });
  }

  onTestFileStart(test) {
    this.currentFile = path.relative(process.cwd(), test.path);
    this.hook.enable();
  }

  async onRunComplete() {
    this.currentFile = null;
    if (!this.outputFile) return this.hook.disable();
    // A ref'd timer: Jest awaits this before it sets the exit code and writes the JSON report; an
    // unref'd one let a process with nothing else left exit 0 right here, failures and all.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    this.hook.disable();
    const counts = new Map();
    for (const { type, resource, file } of this.live.values()) {
      // Only handles and timers can hold the event loop, and they say so through hasRef(); other
      // async resources (stream ends, pending requests, promises' helpers) never keep a process alive.
      const holdsLoop = typeof resource.hasRef === 'function' && resource.hasRef();
      if (!holdsLoop) continue;
      const key = `${type} ${file}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const file = this.outputFile.replace(/\.json$/, '') + '.open-handles.txt';
    if (counts.size === 0) {
      fs.rmSync(file, { force: true });
      return;
    }
    const lines = [...counts].map(([key, n]) => {
      const [type, ...where] = key.split(' ');
      return `${type} ${n} ${where.join(' ')}`;
    });
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }
}

module.exports = OpenHandlesReporter;
