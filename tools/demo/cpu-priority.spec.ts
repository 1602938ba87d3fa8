import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { STORE_NICE, autogroupNice, listenerPid, setProcessNice, storePorts } from './cpu-priority';

describe('cpu priority of the migration', () => {
  it('reads the listening pid out of ss output', () => {
    const line = 'LISTEN 0 4096 127.0.0.1:18080 0.0.0.0:* users:(("weaviate-server",pid=16087,fd=20))\n';
    expect(listenerPid(18080, line)).toBe(16087);
    expect(listenerPid(18080, '')).toBeNull();
  });

  it('names the stores by the ports of the client settings, skipping what is not set', () => {
    expect(storePorts({ KAFKA_BROKERS: '127.0.0.1:19092,127.0.0.1:19094', CLICKHOUSE_URL: 'http://127.0.0.1:18123', WEAVIATE_HTTP_PORT: '18080' })).toEqual([
      { name: 'kafka', port: 19092 },
      { name: 'clickhouse', port: 18123 },
      { name: 'weaviate', port: 18080 },
    ]);
    expect(storePorts({ KAFKA_BROKERS: '127.0.0.1:19092' })).toEqual([{ name: 'kafka', port: 19092 }]);
  });

  it("never lowers the session it runs in (the workload's), only the threads of a process in it", async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const own = autogroupNice(process.pid);
      setProcessNice(child.pid as number, 18);
      expect(os.getPriority(child.pid as number)).toBe(18);
      expect(autogroupNice(process.pid)).toBe(own);
    } finally {
      child.kill();
    }
  });

  it('lowers every thread of a running process, not only its main thread', async () => {
    // A Node process has several threads (V8 platform, libuv) from its start.
    // In a session of its own, as the demo starts the migration's processes: its own autogroup.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore', detached: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pid = child.pid as number;
      setProcessNice(pid, 17);
      const { readdirSync } = await import('node:fs');
      const tids = readdirSync(`/proc/${pid}/task`).map(Number);
      expect(tids.length).toBeGreaterThan(1);
      expect(tids.map((tid) => os.getPriority(tid))).toEqual(tids.map(() => 17));
      // Where the kernel groups by session (autogroup), the session's nice is what other sessions compete with.
      if (autogroupNice(process.pid) !== null) expect(autogroupNice(pid)).toBe(17);
    } finally {
      child.kill();
    }
  });

  it('puts a store back to its priority when the demo is stopped with SIGTERM while it is lowered', async () => {
    // A stand-in for a store server: a listener in a session of its own, as the stack starts them.
    const store = spawn(process.execPath, ['-e', "require('net').createServer().listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n') })"], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    // Written as plain text: console.log would colour a number where FORCE_COLOR is set (under nx).
    const port = await new Promise<string>((resolve) => store.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(port).toMatch(/^\d+$/);
    const register = path.resolve(__dirname, '../scripts/register.js');
    const lowerer = path.resolve(__dirname, 'cpu-priority.ts');
    // The demo's side: lowers the store, says so, then waits to be stopped.
    const demo = spawn(process.execPath, ['-r', register, '-e', `require(${JSON.stringify(lowerer)}).lowerStorePriority({ KAFKA_BROKERS: '127.0.0.1:${port}' }); console.log('lowered'); setTimeout(() => {}, 30000)`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => demo.stdout?.on('data', (d: Buffer) => d.toString().includes('lowered') && resolve()));
      expect(os.getPriority(store.pid as number)).toBe(STORE_NICE);
      const exited = new Promise((resolve) => demo.once('exit', (_code, signal) => resolve(signal)));
      demo.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
      expect(os.getPriority(store.pid as number)).toBe(0);
      if (autogroupNice(process.pid) !== null) expect(autogroupNice(store.pid as number)).toBe(0);
    } finally {
      demo.kill('SIGKILL');
      store.kill();
    }
  }, 30_000);
});
