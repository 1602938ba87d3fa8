import { parseProcStat, parseProcessCpuSeconds } from './cpu-usage';

describe('cpu usage from /proc', () => {
  it('counts idle and iowait as not busy and everything else up to steal as busy', () => {
    const stat = 'cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 3 0\nintr 1 2\n';
    expect(parseProcStat(stat)).toEqual({ busy: 100 + 5 + 50 + 3 + 2 + 10, total: 990 });
  });

  it('refuses a /proc/stat without the aggregate cpu line', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4 5\n')).toThrow('no aggregate cpu line');
  });

  it("reads utime and stime after a command name holding spaces and ')'", () => {
    const fields = ['S', ...Array.from({ length: 10 }, (_, i) => String(i)), '1234', '566', '0', '0'];
    expect(parseProcessCpuSeconds(`4242 (node a) b) ${fields.join(' ')}`)).toBeCloseTo(18);
  });
});
