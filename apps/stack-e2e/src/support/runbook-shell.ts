import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface StepResult {
  exitCode: number;
  output: string;
  seconds: number;
}

/**
 * One bash process for the whole runbook, as an operator's terminal: variables, functions and
 * background services started by one step are there for the next. Each step's stdout and stderr
 * are collected together; its end is a marker line carrying its exit code.
 */
export class RunbookShell {
  private readonly bash: ChildProcessWithoutNullStreams;
  private readonly marker = `__RUNBOOK_STEP_${randomBytes(6).toString('hex')}__`;
  private buffer = '';
  private waiting: ((line: string) => void) | null = null;
  readonly exited: Promise<number | null>;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const at = this.buffer.indexOf(this.marker);
      if (at >= 0 && this.buffer.indexOf('\n', at) >= 0 && this.waiting) {
        const done = this.buffer;
        this.buffer = '';
        this.waiting(done);
      }
    };
    this.bash.stdout.on('data', take);
    this.bash.stderr.on('data', take);
    this.exited = new Promise((resolve) => this.bash.on('exit', (code) => resolve(code)));
  }

  /** Runs the command in the shell; rejects after timeoutMs (the shell is then killed). */
  run(command: string, timeoutMs: number): Promise<StepResult> {
    const started = Date.now();
    return new Promise<StepResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`step did not finish within ${timeoutMs / 1000} s; output so far:\n${this.buffer.slice(-4_000)}`));
      }, timeoutMs);
      this.waiting = (text) => {
        clearTimeout(timer);
        this.waiting = null;
        const at = text.lastIndexOf(this.marker);
        const exitCode = Number(text.slice(at + this.marker.length).trim().split(/\s/)[0]);
        resolve({ exitCode, output: text.slice(0, at), seconds: (Date.now() - started) / 1000 });
      };
      // stdin from /dev/null: a step never waits for input; 2>&1 keeps the two streams in order.
      this.bash.stdin.write(`{\n${command}\n} </dev/null 2>&1; echo "${this.marker} $?"\n`);
    });
  }

  async close(): Promise<void> {
    if (this.bash.exitCode === null) {
      this.bash.stdin.end('exit\n');
      const timer = setTimeout(() => this.bash.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
