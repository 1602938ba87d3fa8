import { plainProperty, textProperty, type PropertyDefinition } from './collection.types';

/** Where a stored version came from: ordering (source position) and undo (migration run). */
export function lineageProperties(): PropertyDefinition[] {
  return [
    textProperty('sourcePosition', 'Position of the source version written', { tokenization: 'field', searchable: false }),
    plainProperty('eventId', 'uuid', 'Event that wrote this version'),
    textProperty('migrationRun', 'Migration run that wrote this version', { tokenization: 'field', searchable: false }),
    plainProperty('migrationId', 'uuid', 'Migration id that wrote this version'),
    plainProperty('correlationId', 'uuid', 'Correlation id of that event'),
  ];
}
