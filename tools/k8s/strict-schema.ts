// Converts OpenAPI v3 schemas (Kubernetes' published spec and CRDs' openAPIV3Schema) into strict
// JSON Schema draft 4, the dialect kubeconform compiles. "Strict" means what `kubectl apply`'s
// default server-side field validation (Strict) enforces: a field the API does not know is an error,
// not something the server silently drops.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = { [key: string]: Json };

export interface ConvertOptions {
  /** Refs of the source document (`#/components/schemas/<name>`) become `#/definitions/<name>`;
   *  each referenced name is added here so the caller can include its closure. */
  refs: Set<string>;
  /** CRD schemas are structural: an object schema without properties keeps no unknown field
   *  (the API server prunes them, and Strict field validation reports them). A native type's
   *  bare `type: object` (RawExtension, FieldsV1) is free-form instead. */
  structural: boolean;
}

const COMPONENT_REF = '#/components/schemas/';
const INT32 = { minimum: -2147483648, maximum: 2147483647 };

// Validation keywords with the same meaning in OpenAPI v3.0 and draft 4; anything else
// (descriptions, defaults, x-kubernetes-* hints, CEL rules) is documentation or server-side logic.
const KEPT = [
  'type',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
];
// Formats the validator checks the way the API server decodes them; int32 becomes a range check
// (the server's decoder rejects an int32 field that overflows).
const KEPT_FORMATS = new Set(['date-time', 'duration']);

function isSchema(value: Json | undefined): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function definitionRef(name: string): string {
  return `#/definitions/${name}`;
}

/**
 * The API server decodes `null` in an optional field as "not set". Definitions accept null (see
 * convertClosure), so a ref needs nothing here; an inline schema gets null added to its types.
 */
export function allowNull(schema: Schema): Schema {
  if (schema.$ref !== undefined) return schema;
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type))
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  for (const combinator of ['anyOf', 'oneOf']) {
    const list = schema[combinator];
    if (Array.isArray(list)) return { ...schema, [combinator]: [...list, { type: 'null' }] };
  }
  return schema;
}

/** A required field (or a list item) must not be null; refs point at nullable definitions. */
function forbidNull(schema: Schema): Schema {
  return schema.$ref === undefined ? schema : { allOf: [schema], not: { type: 'null' } };
}

export function toStrictSchema(node: Schema, options: ConvertOptions): Schema {
  if (typeof node.$ref === 'string') {
    if (!node.$ref.startsWith(COMPONENT_REF)) throw new Error(`unsupported $ref ${node.$ref}`);
    const name = node.$ref.slice(COMPONENT_REF.length);
    options.refs.add(name);
    return { $ref: definitionRef(name) };
  }

  const out: Schema = {};
  for (const key of KEPT) if (node[key] !== undefined) out[key] = node[key];

  // int-or-string: Kubernetes' IntOrString and CRD fields marked x-kubernetes-int-or-string.
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    return { ...out, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  if (typeof node.format === 'string' && KEPT_FORMATS.has(node.format)) out.format = node.format;
  if (node.format === 'int32') Object.assign(out, { ...INT32, ...out });
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];

  const properties = isSchema(node.properties) ? { ...node.properties } : undefined;
  if (properties && node['x-kubernetes-embedded-resource'] === true) {
    // An embedded object always accepts its type meta and metadata, listed or not.
    for (const implicit of ['apiVersion', 'kind']) properties[implicit] ??= { type: 'string' };
    properties.metadata ??= { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (properties) {
    const converted: Schema = {};
    const required = Array.isArray(node.required) ? node.required : [];
    for (const [name, child] of Object.entries(properties)) {
      if (!isSchema(child)) throw new Error(`property ${name} is not a schema`);
      const schema = toStrictSchema(child, options);
      converted[name] = required.includes(name) ? forbidNull(schema) : allowNull(schema);
    }
    out.properties = converted;
  }
  if (isSchema(node.items)) out.items = forbidNull(toStrictSchema(node.items, options));
  if (isSchema(node.additionalProperties))
    out.additionalProperties = toStrictSchema(node.additionalProperties, options);
  else if (typeof node.additionalProperties === 'boolean')
    out.additionalProperties = node.additionalProperties;
  for (const combinator of ['allOf', 'anyOf', 'oneOf']) {
    const list = node[combinator];
    if (Array.isArray(list))
      out[combinator] = list.filter(isSchema).map((child) => toStrictSchema(child, options));
  }
  if (isSchema(node.not)) out.not = toStrictSchema(node.not, options);

  const open =
    node['x-kubernetes-preserve-unknown-fields'] === true || node.additionalProperties !== undefined;
  const isObject = node.type === 'object' || properties !== undefined;
  if (!open && isObject && (properties !== undefined || options.structural)) out.additionalProperties = false;

  // { allOf: [{ $ref }] } is how the spec attaches a description or default to a ref; with those
  // dropped the wrapper only hides the ref.
  const keys = Object.keys(out);
  if (keys.length === 1 && Array.isArray(out.allOf) && out.allOf.length === 1 && isSchema(out.allOf[0]))
    return out.allOf[0];
  return out;
}

/** Converts `rootNames` and every schema they reach, as a `definitions` map. */
export function convertClosure(components: Schema, rootNames: Iterable<string>): Schema {
  const definitions: Schema = {};
  const pending = [...rootNames];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (definitions[name] !== undefined) continue;
    const source = components[name];
    if (!isSchema(source)) throw new Error(`schema ${name} is referenced but not defined`);
    const refs = new Set<string>();
    definitions[name] = allowNull(toStrictSchema(source, { refs, structural: false }));
    for (const ref of refs) if (definitions[ref] === undefined) pending.push(ref);
  }
  return Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
}
