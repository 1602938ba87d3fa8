import { plainProperty, textProperty, type PropertyDefinition } from './collection.types';

/** Where a stored version came from: ordering (source position) and undo (migration run). */
export function lineageProperties(): PropertyDefinition[] {
  return [
    textProperty('sourcePosition', 'Position of the source version written', { tokenization: 'field', searchable: false }),
    plainProperty('eventId', 'uuid', 'Event that wrote this version'),
    textProperty('migrationRun', 'Migration run that wrote this version', { tokenization: 'field', searchable: false }),
    plainProperty('migrationId', 'uuid', 'Migration id that wrote this version'),
    plainProperty('correlationId', 'uuid', 'Correlation id of that event'),
    plainProperty('causationId', 'uuid', 'Causation id of that event (the event that caused it), absent when none'),
  ];
}

/**
 * Where values a typed property cannot hold exactly go (docs/weaviate.md, "Values a property
 * cannot hold, and where they go"): `lossyFields` names the properties holding a nearest value
 * instead (filterable: `containsAny`), `rawValues` holds their original values as JSON text.
 */
export function lossyValueProperties(): PropertyDefinition[] {
  return [
    textProperty('lossyFields', 'Properties whose typed value is not the source value exactly (clamped date, replaced lone surrogate, sub-millisecond digits)', {
      tokenization: 'field',
      searchable: false,
      array: true,
    }),
    // Word tokens: a filter can find e.g. `infinity` in it; the JSON is read back whole.
    textProperty('rawValues', 'JSON: lossy property -> the source value as text', { tokenization: 'word', searchable: false }),
  ];
}
