import type { ChangeRecord } from '../publish/change-record';
import type { SlotGap } from './slot-gap';

export interface CapturedBatch {
  changes: ChangeRecord[];
  /** Call after the changes were acknowledged by Kafka: the capture then forgets them. */
  acknowledge: () => Promise<void>;
  /** True when the batch emptied the backlog known at poll time. */
  drained: boolean;
}

/** A source of row changes in commit-safe order; both capture modes implement it. */
export interface ChangeCapture {
  readonly mode: 'logical' | 'trigger';
  setup(): Promise<void>;
  poll(maxChanges: number): Promise<CapturedBatch>;
  /** Removes what setup created (slot and publication, or triggers and change table). */
  teardown(): Promise<void>;
  /** A mark of "now": every change committed before this call is behind it. */
  barrier(): Promise<string>;
  /** True once everything before the barrier has been published and acknowledged. */
  reached(barrier: string): Promise<boolean>;
  /** Bytes of WAL held back for the capture, or null where that does not apply. */
  retainedWalBytes(): Promise<number | null>;
  /** The run's open slot gap (logical capture): capture stays stopped until a re-snapshot closes it. */
  openGap?(): Promise<SlotGap | null>;
}
