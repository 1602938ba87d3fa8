import { DomainException, ErrorCode, isDomainException } from './domain.exception';

describe('DomainException', () => {
  it('keeps code, message and the entity/id/field details', () => {
    const error = new DomainException(ErrorCode.ValidationFailed, 'title is required', {
      entity: 'opportunity',
      id: '0b7c',
      field: 'title',
    });
    expect(error.toJSON()).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'title is required',
      details: { entity: 'opportunity', id: '0b7c', field: 'title' },
    });
    expect(error).toBeInstanceOf(Error);
  });

  it('is recognised by the type guard and other errors are not', () => {
    expect(isDomainException(new DomainException(ErrorCode.Internal, 'x'))).toBe(true);
    expect(isDomainException(new Error('x'))).toBe(false);
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('socket hang up');
    const error = new DomainException(ErrorCode.StoreUnavailable, 'kafka down', {}, { cause });
    expect(error.cause).toBe(cause);
  });
});
