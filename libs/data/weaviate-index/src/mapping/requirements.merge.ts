/** One contract document's contribution to its opportunity's requirements. */
export interface RequirementSource {
  documentId: string;
  /** created_at of the document (ISO), or null when unknown: those sort last. */
  createdAt: string | null;
  requirements: readonly string[];
}

/**
 * An opportunity's requirements: its documents' requirements in upload order (then document id,
 * so the order never depends on arrival order), each distinct sentence once.
 */
export function mergeRequirements(sources: readonly RequirementSource[]): string[] {
  const ordered = [...sources].sort((a, b) => {
    if (a.createdAt !== b.createdAt) {
      if (a.createdAt === null) return 1;
      if (b.createdAt === null) return -1;
      return a.createdAt < b.createdAt ? -1 : 1;
    }
    return a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : 0;
  });
  const seen = new Set<string>();
  const out: string[] = [];
  for (const source of ordered) {
    for (const requirement of source.requirements) {
      if (seen.has(requirement)) continue;
      seen.add(requirement);
      out.push(requirement);
    }
  }
  return out;
}
