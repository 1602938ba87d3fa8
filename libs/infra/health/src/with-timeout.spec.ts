import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('returns the value when the work finishes in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
  });

  it('rejects naming the store when the work hangs', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'kafka')).rejects.toThrow(
      'kafka did not answer within 20 ms',
    );
  });

  it('passes the work error through', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 50, 'x')).rejects.toThrow('refused');
  });
});
