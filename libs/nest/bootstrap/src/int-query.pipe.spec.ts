import { IntQueryPipe } from './int-query.pipe';

describe('IntQueryPipe', () => {
  const pipe = new IntQueryPipe('limit', { min: 1, max: 500, default: 20 });

  it('parses whole numbers in range and defaults when absent', () => {
    expect(pipe.transform('7')).toBe(7);
    expect(pipe.transform(undefined)).toBe(20);
  });

  it.each([['0'], ['501'], ['-1'], ['1.5'], ['abc'], ['99999999999999999999'], [['1', '2']]])(
    'refuses %j naming the parameter and its range',
    (value) => {
      expect(() => pipe.transform(value)).toThrow(
        'query parameter limit must be a whole number from 1 to 500',
      );
    },
  );
});
