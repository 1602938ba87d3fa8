import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { LogFields, Logger } from '@mch/util-logger';

export interface ProgressState {
  /** Units done so far (rows, objects, pairs). */
  done: number;
  /** Units expected in all, when known (an estimate is fine). */
  total: number | null;
  /** Extra fields for the plain line (failed rows, shard, ...). */
  fields?: LogFields;
}

export interface ProgressTask {
  update(state: ProgressState): void;
  /** The last line (always written in plain mode) and the bar left at its final value. */
  finish(state?: ProgressState): void;
}

export interface ProgressReporter {
  /** A bar (terminal) or throttled JSON lines named `message` (anything else) for one piece of work. */
  task(name: string, message: string): ProgressTask;
  /** Stops drawing; call once the work is over (plain mode: nothing to do). */
  stop(): void;
  readonly mode: 'bar' | 'lines';
}

export interface ProgressOptions {
  logger: Logger;
  /** Where bars are drawn; stderr by default, so stdout stays the command's result. */
  stream?: NodeJS.WriteStream;
  /** Bars only on a terminal; defaults to the stream's isTTY. */
  tty?: boolean;
  /** Least time between two plain lines of one task (the first and the last are always written). */
  intervalMs?: number;
  now?: () => number;
}

/** Units per second since the task started and seconds left at that rate (null when unknown). */
export function rateAndEta(done: number, total: number | null, elapsedMs: number): { rate: number; eta: number | null } {
  const rate = done / Math.max(elapsedMs / 1000, 0.001);
  const eta = total !== null && rate > 0 ? Math.max(0, (total - done) / rate) : null;
  return { rate, eta };
}

function linesTask(name: string, message: string, options: Required<Pick<ProgressOptions, 'logger' | 'intervalMs' | 'now'>>): ProgressTask {
  const started = options.now();
  let lastLine = -Infinity;
  let last: ProgressState = { done: 0, total: null };
  const write = (state: ProgressState, final: boolean) => {
    const { rate, eta } = rateAndEta(state.done, state.total, options.now() - started);
    // The caller's fields come last: a runner that measures its own rate or ETA keeps its numbers.
    options.logger.info(message, {
      task: name,
      done: state.done,
      total: state.total,
      rate_per_second: Math.round(rate * 10) / 10,
      eta_seconds: eta === null ? null : Math.round(eta),
      ...state.fields,
      ...(final ? { finished: true } : {}),
    });
  };
  return {
    update(state) {
      last = state;
      if (options.now() - lastLine < options.intervalMs) return;
      lastLine = options.now();
      write(state, false);
    },
    finish(state = last) {
      write(state, true);
    },
  };
}

/**
 * Progress of long CLI work (backfill, historical load, index, check): a cli-progress bar per task
 * with rate and ETA when stderr is a terminal, else (a Job's log, a pipe, CI) plain JSON log lines
 * with the same numbers, at most one per task per `intervalMs` plus the final one, so a log shipper
 * gets data and no terminal escapes.
 */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const now = options.now ?? (() => Date.now());
  if (!tty) {
    const settings = { logger: options.logger, intervalMs: options.intervalMs ?? 5_000, now };
    return { mode: 'lines', task: (name, message) => linesTask(name, message, settings), stop: () => undefined };
  }
  const multi = new MultiBar(
    {
      stream,
      format: ' {task} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      barsize: 24,
    },
    Presets.shades_classic,
  );
  return {
    mode: 'bar',
    task(name) {
      const started = now();
      let bar: SingleBar | null = null;
      const draw = (state: ProgressState) => {
        const { rate } = rateAndEta(state.done, state.total, now() - started);
        const total = state.total ?? Math.max(state.done, 1);
        const payload = { task: name, rate: Math.round(rate) };
        if (!bar) bar = multi.create(total, state.done, payload);
        else {
          bar.setTotal(total);
          bar.update(state.done, payload);
        }
      };
      return { update: draw, finish: (state) => state && draw(state) };
    },
    stop: () => multi.stop(),
  };
}
