import { formatCursor, parseCursor } from './read-cursor';

describe('read cursor', () => {
  it('round-trips', () => {
    expect(parseCursor(formatCursor({ transactionId: '812', position: '40001' }))).toEqual({
      transactionId: '812',
      position: '40001',
    });
  });

  it('rejects anything else naming the field', () => {
    expect(() => parseCursor('12;DROP')).toThrow("cursor '12;DROP' is not <transactionId>-<position>");
  });

  it('rejects numbers beyond xid8 / bigint, which PostgreSQL would fail on', () => {
    expect(() => parseCursor('1-99999999999999999999')).toThrow('is out of range');
    expect(() => parseCursor('99999999999999999999-1')).toThrow('is out of range');
  });
});
