import type { z } from 'zod';

/** A yes/no validity check with zod's verdict and no allocation: it builds no output and no issues. */
export type SchemaCheck = (value: unknown) => boolean;

/** The parts of a zod 4 schema definition (`schema._zod.def`) this compiler reads. */
interface CheckDef {
  check?: string;
  format?: string;
  pattern?: RegExp;
  fn?: (value: unknown) => unknown;
}
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
  checks?: { _zod: { def: CheckDef } }[];
  format?: string;
  pattern?: RegExp;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

function refuse(path: string, what: string): never {
  throw new Error(`compileSchemaCheck: ${path || '(root)'} uses ${what}, which this compiler does not handle; use safeParse`);
}

function compileStringChecks(def: SchemaDef, path: string): ((text: string) => boolean)[] {
  const tests: ((text: string) => boolean)[] = [];
  // z.uuid() and friends are string schemas whose own definition carries the format's pattern.
  if (def.format !== undefined) {
    const pattern = def.pattern;
    if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) refuse(path, `string format '${def.format}' without a plain pattern`);
    tests.push((text) => pattern.test(text));
  }
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'string_format' && c.pattern instanceof RegExp && !c.pattern.global && !c.pattern.sticky) {
      const pattern = c.pattern;
      tests.push((text) => pattern.test(text));
    } else if (c.check === 'custom' && typeof c.fn === 'function') {
      const fn = c.fn;
      // Only a literal true counts: a promise or a truthy non-boolean is left to zod to judge.
      tests.push((text) => fn(text) === true);
    } else {
      refuse(path, `string check '${c.check}'${c.format ? ` (${c.format})` : ''}`);
    }
  }
  return tests;
}

function compile(schema: z.ZodType, path: string): SchemaCheck {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      const tests = compileStringChecks(def, path);
      return (value) => {
        if (typeof value !== 'string') return false;
        for (const test of tests) if (!test(value)) return false;
        return true;
      };
    }
    case 'number': {
      let integer = false;
      for (const check of def.checks ?? []) {
        const c = check._zod.def;
        if (c.check === 'number_format' && c.format === 'safeint') integer = true;
        else refuse(path, `number check '${c.check}'${c.format ? ` (${c.format})` : ''}`);
      }
      return integer ? (value) => Number.isSafeInteger(value) : (value) => typeof value === 'number' && Number.isFinite(value);
    }
    case 'boolean':
      if (def.checks?.length) refuse(path, 'boolean checks');
      return (value) => typeof value === 'boolean';
    case 'enum': {
      const values = new Set<unknown>(Object.values(def.entries ?? {}));
      if (def.checks?.length) refuse(path, 'enum checks');
      return (value) => values.has(value);
    }
    case 'unknown':
      return () => true;
    case 'nullable': {
      const inner = compile(def.innerType as z.ZodType, path);
      return (value) => value === null || inner(value);
    }
    case 'array': {
      if (def.checks?.length) refuse(path, 'array checks');
      const element = compile(def.element as z.ZodType, `${path}[]`);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (const item of value) if (!element(item)) return false;
        return true;
      };
    }
    case 'record': {
      if (def.checks?.length) refuse(path, 'record checks');
      const key = defOf(def.keyType as z.ZodType);
      if (key.type !== 'string' || key.checks?.length || key.format !== undefined) refuse(path, 'a record key other than a plain string');
      const item = compile(def.valueType as z.ZodType, `${path}{}`);
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
        // zod reads every own key (symbols and non-enumerable ones too), as Reflect.ownKeys does.
        for (const key of Reflect.ownKeys(value)) {
          if (typeof key !== 'string' || !item((value as Record<string, unknown>)[key])) return false;
        }
        return true;
      };
    }
    case 'object': {
      if (def.checks?.length) refuse(path, 'object checks');
      const fields = Object.entries(def.shape ?? {}).map(([key, field]) => {
        const fieldType = defOf(field).type;
        // An optional field may be absent; the plain checks above would call that invalid, which
        // is safe (zod decides) but would send every such row down the slow path, so refuse it.
        if (fieldType === 'optional' || fieldType === 'default') refuse(`${path}.${key}`, fieldType);
        return [key, compile(field, path ? `${path}.${key}` : key)] as const;
      });
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const record = value as Record<string, unknown>;
        for (const [key, check] of fields) if (!check(record[key])) return false;
        return true;
      };
    }
    default:
      return refuse(path, `a ${def.type} schema`);
  }
}

/**
 * Compiles a zod object schema into a check that says only whether `safeParse` would succeed,
 * from zod's own patterns, enum values and refinements. The migrator validates every row's data
 * and almost every row is valid: zod's parse builds a copy of each object and its result, about a
 * tenth of the backfill's allocations (docs/benchmarks.md). On `false`, ask zod (`safeParse`) for
 * the issue to report; the check never says `true` where zod would refuse (the spec compares them
 * on valid and broken data of every entity). Throws at compile time for a kind of schema it does
 * not know, so a new contract field cannot silently skip validation.
 */
export function compileSchemaCheck(schema: z.ZodType): SchemaCheck {
  return compile(schema, '');
}
