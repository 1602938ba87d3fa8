import type { PipeTransform } from '@nestjs/common';
import { DomainException, ErrorCode } from '@mch/util-errors';

/**
 * A whole-number query parameter within [min, max], or its default when absent. Unlike Nest's
 * ParseIntPipe it names the parameter and the range, and it refuses values the store's integer
 * columns or LIMIT cannot take (which would otherwise reach PostgreSQL and fail there).
 */
export class IntQueryPipe implements PipeTransform<unknown, number> {
  constructor(
    private readonly field: string,
    private readonly range: { min: number; max: number; default: number },
  ) {}

  transform(value: unknown): number {
    if (value === undefined || value === '') return this.range.default;
    const text = Array.isArray(value) ? undefined : String(value);
    const number = text !== undefined && /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < this.range.min || number > this.range.max) {
      throw new DomainException(
        ErrorCode.ValidationFailed,
        `query parameter ${this.field} must be a whole number from ${this.range.min} to ${this.range.max}, got ${JSON.stringify(String(value).slice(0, 100))}`,
        { field: this.field, limit: { min: this.range.min, max: this.range.max } },
      );
    }
    return number;
  }
}
