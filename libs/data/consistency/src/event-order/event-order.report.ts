export interface EventOrderOptions {
  /** Only streams with an event created in [from, to); the whole store when both are null. */
  from: Date | null;
  to: Date | null;
  /** Problems listed (counts are exact). */
  maxListed: number;
  /** Gaps in global_position left by rolled-back appends are normal; fail on them only when asked. */
  failOnPositionGaps: boolean;
  /** The table checked; event_store except in tests that plant what its constraints forbid. */
  table: string;
}

export interface VersionProblem {
  aggregateId: string;
  aggregateType: string;
  /** Versions 1..max that are absent (listed up to 50). */
  missingVersions: number[];
  /** Versions present more than once, with their event ids. */
  duplicateVersions: { version: number; eventIds: string[] }[];
  maxVersion: number;
  events: number;
}

export interface PositionGap {
  /** Last visible position before the gap (0: the gap starts at the beginning). */
  after: string;
  /** First visible position after it. */
  before: string;
  missing: string;
  /** Transaction of the event after the gap. */
  nextTransactionId: string;
  /** Writers of the table still running (or committed since the snapshot) that may fill it (pending gaps only). */
  inProgress: string[];
}

export interface EventOrderReport {
  window: { from: string | null; to: string | null };
  aggregatesChecked: number;
  eventsChecked: number;
  /** Streams whose versions are not exactly 1..n. */
  streams: { count: number; items: VersionProblem[] };
  versionGaps: number;
  duplicateVersions: number;
  /** Position gaps no running transaction can fill: the positions were rolled back or deleted. */
  positionGaps: { count: number; items: PositionGap[] };
  /** Position gaps a transaction still in progress may fill when it commits: not gaps (yet). */
  pendingPositionGaps: { count: number; items: PositionGap[] };
  snapshot: { xmin: string; xmax: string; inProgress: string[] };
  passed: boolean;
  reasons: string[];
}
