import type { CanonicalText } from '../hashing/canonical-value';
import type { HashProfile } from '../profiles/hash-profile';
import type { ContentView } from '../stores/content-view';
import type { DifferenceSample, FieldDifference } from '../report/consistency-report';

const MAX_VALUE_CHARS = 200;

function clip(text: CanonicalText): CanonicalText {
  return text !== null && text.length > MAX_VALUE_CHARS
    ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} chars)`
    : text;
}

/** The fields whose canonical texts differ, with both values (long ones clipped). */
export function fieldDifferences(
  profile: HashProfile,
  source: readonly CanonicalText[],
  target: readonly CanonicalText[],
): FieldDifference[] {
  const out: FieldDifference[] = [];
  profile.fields.forEach((f, i) => {
    if (source[i] !== target[i])
      out.push({ field: f.field, source: clip(source[i]), target: clip(target[i]) });
  });
  return out;
}

/** Field-level differences of a sample of differing rows, read from both stores. */
export async function sampleDifferences(
  source: ContentView,
  target: ContentView,
  ids: readonly string[],
): Promise<DifferenceSample[]> {
  if (ids.length === 0) return [];
  const [a, b] = await Promise.all([source.canonicalRows(ids), target.canonicalRows(ids)]);
  const samples: DifferenceSample[] = [];
  for (const id of ids) {
    const s = a.get(id);
    const t = b.get(id);
    // A row gone from either side since the segment comparison has no field difference to show.
    if (!s || !t) continue;
    samples.push({ id, fields: fieldDifferences(source.profile, s, t) });
  }
  return samples;
}
