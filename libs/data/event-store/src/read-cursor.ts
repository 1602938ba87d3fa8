import { DomainException, ErrorCode } from '@mch/util-errors';
import type { ReadCursor } from './event-store.types';

export function formatCursor(cursor: ReadCursor): string {
  return `${cursor.transactionId}-${cursor.position}`;
}

export function parseCursor(text: string): ReadCursor {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(text);
  if (!match) {
    throw new DomainException(
      ErrorCode.ValidationFailed,
      `cursor '${text.slice(0, 100)}' is not <transactionId>-<position>`,
      {
        entity: 'event_store',
        field: 'after',
      },
    );
  }
  // xid8 is unsigned 64-bit, global_position a bigint: larger numbers would fail in PostgreSQL.
  if (BigInt(match[1]) > 18_446_744_073_709_551_615n || BigInt(match[2]) > 9_223_372_036_854_775_807n) {
    throw new DomainException(ErrorCode.ValidationFailed, `cursor '${text}' is out of range`, {
      entity: 'event_store',
      field: 'after',
      limit: { transactionId: '18446744073709551615', position: '9223372036854775807' },
    });
  }
  return { transactionId: match[1], position: match[2] };
}
