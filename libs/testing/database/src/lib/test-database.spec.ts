import { testDatabaseName } from './test-database';

describe('testDatabaseName', () => {
  it('appends the suffix to a cleaned, lower-case prefix', () => {
    expect(testDatabaseName('Monolith Fixture-IT', 'abc123')).toBe('monolith_fixture_it_abc123');
  });

  it('starts with a letter or underscore even when the prefix starts with a digit', () => {
    expect(testDatabaseName('42things', 'x')).toBe('t_42things_x');
  });

  it('stays within the 63-byte identifier limit', () => {
    const name = testDatabaseName('p'.repeat(200));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^p+_[0-9a-f]{12}$/);
  });

  it('gives two calls different names', () => {
    expect(testDatabaseName('same')).not.toBe(testDatabaseName('same'));
  });
});
