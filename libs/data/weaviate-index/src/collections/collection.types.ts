/** Weaviate data types the index uses; `string` is deprecated in Weaviate and never used. */
export type PropertyDataType = 'text' | 'text[]' | 'int' | 'date' | 'uuid' | 'boolean';

/** One property as we want it on the server; `compareDefinitions` checks each field. */
export interface PropertyDefinition {
  name: string;
  dataType: PropertyDataType;
  description: string;
  /** text only: `word` for prose (BM25), `field` for codes and names matched as a whole. */
  tokenization?: 'word' | 'field';
  indexFilterable: boolean;
  indexSearchable: boolean;
  indexRangeFilters: boolean;
}

/** How the collection's `default` vector is produced. */
export type VectorizerSettings =
  | { kind: 'none'; dimensions: number }
  | { kind: 'text2vec-transformers'; inferenceUrl: string };

/** The parts of a collection definition the index owns and checks for drift. */
export interface CollectionDefinition {
  name: string;
  description: string;
  properties: PropertyDefinition[];
  /** `none` with `skipVectorIndex` for collections that only store state (no vector search). */
  vectorizer: VectorizerSettings;
  skipVectorIndex: boolean;
  /** Properties whose text feeds the vector (text2vec-transformers `sourceProperties`, content hash). */
  vectorSourceProperties: string[];
}

export function textProperty(
  name: string,
  description: string,
  options: { tokenization?: 'word' | 'field'; searchable?: boolean; filterable?: boolean; array?: boolean } = {},
): PropertyDefinition {
  return {
    name,
    description,
    dataType: options.array ? 'text[]' : 'text',
    tokenization: options.tokenization ?? 'word',
    indexFilterable: options.filterable ?? true,
    indexSearchable: options.searchable ?? true,
    indexRangeFilters: false,
  };
}

export function plainProperty(
  name: string,
  dataType: Exclude<PropertyDataType, 'text' | 'text[]'>,
  description: string,
  options: { rangeFilters?: boolean } = {},
): PropertyDefinition {
  return {
    name,
    description,
    dataType,
    indexFilterable: true,
    indexSearchable: false,
    indexRangeFilters: options.rangeFilters ?? false,
  };
}
