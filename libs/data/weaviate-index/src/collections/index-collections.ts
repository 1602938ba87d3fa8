/**
 * The collections the indexer writes. Names take an optional prefix so tests and side-by-side
 * re-indexes use their own collections; production uses the plain names.
 */
export interface IndexCollectionNames {
  /** The searchable collection: one object per opportunity, id = the opportunity's UUID. */
  opportunity: string;
  /** Requirement sources: one object per contract document, merged into `Opportunity.requirements`. */
  contractDocument: string;
  /** Source deletes, so a late older version of a deleted row cannot bring it back. */
  tombstone: string;
}

const PREFIX = /^([A-Z][A-Za-z0-9]*)?$/;

export function indexCollectionNames(prefix = ''): IndexCollectionNames {
  if (!PREFIX.test(prefix)) {
    throw new Error(`collection prefix '${prefix}' must be empty or start with an upper-case letter and hold only letters and digits`);
  }
  return {
    opportunity: `${prefix}Opportunity`,
    contractDocument: `${prefix}ContractDocument`,
    tombstone: `${prefix}IndexTombstone`,
  };
}

export function allCollections(names: IndexCollectionNames): string[] {
  return [names.opportunity, names.contractDocument, names.tombstone];
}

/**
 * One UUIDv5 namespace per collection whose objects are not keyed by a source row's own UUID.
 * Fixed forever: changing one re-keys every object of that collection.
 */
export const OBJECT_ID_NAMESPACES = {
  contractDocument: '6f1c54a2-8d0e-5b7a-9c3f-2e4d6a8b0c1e',
  tombstone: 'a3e9b7c1-4f2d-5e6a-8b0c-9d1e2f3a4b5c',
} as const;
