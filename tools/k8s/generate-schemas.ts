// Generates strict standalone JSON schemas for kubeconform from pinned sources: every kind of the
// Kubernetes API (its OpenAPI v3 spec, one file per group-version) and every CRD given. Run by
// k8s-tools.sh install; the output directory uses kubeconform's schema-location layouts:
//   kubernetes/v<version>-standalone-strict/<kind>[-<group>]-<version>.json
//   crds/<group>/<kind>_<version>.json
// plus toolchain.json, which names the validator, the schema locations and every kind covered.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SERVER_DEFAULTED_REQUIRED } from './server-defaults';
import { convertClosure, definitionRef, Json, Schema, toStrictSchema } from './strict-schema';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const DRAFT4 = 'http://json-schema.org/draft-04/schema#';

interface Args {
  kubernetesModule: string;
  kubernetesSpec: string;
  kubernetesVersion: string;
  crds: string[];
  crdSource: string;
  kubeconform: string;
  kubeconformVersion: string;
  out: string;
  finalDir: string;
}

interface KindEntry {
  apiVersion: string;
  kind: string;
  file: string;
  source: string;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined)
      throw new Error(`expected --flag value pairs, got ${flag}`);
    values.set(flag.slice(2), [...(values.get(flag.slice(2)) ?? []), value]);
  }
  const one = (name: string): string => {
    const list = values.get(name);
    if (!list || list.length !== 1) throw new Error(`--${name} is required once`);
    return list[0];
  };
  return {
    kubernetesModule: one('kubernetes-module'),
    kubernetesSpec: join(one('kubernetes-module'), 'api/openapi-spec/v3'),
    kubernetesVersion: one('kubernetes-version'),
    crds: values.get('crds') ?? [],
    crdSource: one('crd-source'),
    kubeconform: one('kubeconform'),
    kubeconformVersion: one('kubeconform-version'),
    out: one('out'),
    finalDir: one('final-dir'),
  };
}

function readJson(file: string): Schema {
  return JSON.parse(readFileSync(file, 'utf8')) as Schema;
}

function asSchema(value: Json | undefined, what: string): Schema {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what} is not an object`);
  return value;
}

// kubeconform's file name for a kind in the yannh/kubernetes-json-schema layout.
function kubernetesFileName(group: string, version: string, kind: string): string {
  const suffix = group === '' ? `-${version}` : `-${group.split('.')[0]}-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`.toLowerCase();
}

/** Drops the requirement of each server-defaulted field, after checking the pinned source still
 *  defaults it; adds each entry it applied to `applied`. */
function applyServerDefaults(args: Args, components: Schema, applied: Set<string>): void {
  for (const entry of SERVER_DEFAULTED_REQUIRED) {
    const schema = components[entry.schema];
    if (schema === undefined) continue;
    const source = readFileSync(join(args.kubernetesModule, entry.defaultsFile), 'utf8');
    if (!entry.evidence.test(source))
      throw new Error(`${entry.defaultsFile} no longer defaults ${entry.schema}.${entry.field}`);
    const required = asSchema(schema, entry.schema).required;
    if (!Array.isArray(required) || !required.includes(entry.field))
      throw new Error(`${entry.schema}.${entry.field} is no longer required; drop its entry`);
    components[entry.schema] = {
      ...asSchema(schema, entry.schema),
      required: required.filter((name) => name !== entry.field),
    };
    applied.add(`${entry.schema}.${entry.field}`);
  }
}

function writeSchema(file: string, schema: Schema): void {
  writeFileSync(file, JSON.stringify(schema));
}

/** Every kind of each group-version file of the Kubernetes spec, with its definitions' closure. */
function generateKubernetes(args: Args): KindEntry[] {
  const dirName = `v${args.kubernetesVersion}-standalone-strict`;
  const dir = join(args.out, 'kubernetes', dirName);
  mkdirSync(dir, { recursive: true });
  const written = new Map<string, string>();
  const entries: KindEntry[] = [];
  const defaultsApplied = new Set<string>();
  for (const file of readdirSync(args.kubernetesSpec).sort()) {
    // api__v1_openapi.json is the core group; apis__<group>__<version>_openapi.json the others.
    const match =
      /^api__(v1)_openapi\.json$/.exec(file) ?? /^apis__(.+)__(v[0-9a-z]+)_openapi\.json$/.exec(file);
    if (!match) continue;
    const [group, version] = match.length === 2 ? ['', match[1]] : [match[1], match[2]];
    const spec = readJson(join(args.kubernetesSpec, file));
    const components = asSchema(asSchema(spec.components, `${file} components`).schemas, `${file} schemas`);
    applyServerDefaults(args, components, defaultsApplied);
    for (const [name, schema] of Object.entries(components)) {
      const gvks = asSchema(schema, name)['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks) {
        const { group: g, version: v, kind } = asSchema(gvk, `${name} gvk`);
        if (g !== group || v !== version || typeof kind !== 'string') continue;
        const apiVersion = group === '' ? version : `${group}/${version}`;
        const fileName = kubernetesFileName(group, version, kind);
        const previous = written.get(fileName);
        if (previous !== undefined && previous !== `${apiVersion} ${kind}`) {
          throw new Error(`${fileName} would hold both ${previous} and ${apiVersion} ${kind}`);
        }
        if (previous !== undefined) continue;
        written.set(fileName, `${apiVersion} ${kind}`);
        const definitions = convertClosure(components, [name]);
        writeSchema(join(dir, fileName), {
          $schema: DRAFT4,
          ...asSchema(definitions[name], name),
          definitions,
        });
        entries.push({
          apiVersion,
          kind,
          file: join('kubernetes', dirName, fileName),
          source: `k8s.io/kubernetes@v${args.kubernetesVersion} ${name}`,
        });
      }
    }
  }
  for (const entry of SERVER_DEFAULTED_REQUIRED) {
    if (!defaultsApplied.has(`${entry.schema}.${entry.field}`))
      throw new Error(`${entry.schema} is not in the spec; drop its entry`);
  }
  return entries;
}

/** Every served version of each CRD, with ObjectMeta from the Kubernetes spec as its metadata. */
function generateCrds(args: Args): KindEntry[] {
  const core = readJson(join(args.kubernetesSpec, 'api__v1_openapi.json'));
  const coreComponents = asSchema(asSchema(core.components, 'core components').schemas, 'core schemas');
  const metaDefinitions = convertClosure(coreComponents, [OBJECT_META]);
  const entries: KindEntry[] = [];
  for (const file of args.crds) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
      const crd = asSchema(document.toJS() as Json, file);
      if (crd.kind !== 'CustomResourceDefinition') continue;
      const spec = asSchema(crd.spec, `${file} spec`);
      const group = spec.group as string;
      const kind = asSchema(spec.names, `${file} names`).kind as string;
      const versions = spec.versions as Json[];
      for (const entry of versions) {
        const version = asSchema(entry, `${file} version`);
        if (version.served !== true) continue;
        const source = asSchema(
          asSchema(version.schema, `${file} schema`).openAPIV3Schema,
          `${file} openAPIV3Schema`,
        );
        const root = toStrictSchema(source, { refs: new Set(), structural: true });
        // The API server validates a custom resource's metadata as ObjectMeta and always accepts
        // apiVersion and kind at the root.
        const properties = { ...asSchema(root.properties ?? {}, `${kind} properties`) };
        properties.metadata = { $ref: definitionRef(OBJECT_META) };
        properties.apiVersion ??= { type: 'string' };
        properties.kind ??= { type: 'string' };
        const dir = join(args.out, 'crds', group);
        mkdirSync(dir, { recursive: true });
        const fileName = `${kind.toLowerCase()}_${version.name as string}.json`;
        writeSchema(join(dir, fileName), {
          $schema: DRAFT4,
          ...root,
          properties,
          definitions: metaDefinitions,
        });
        entries.push({
          apiVersion: `${group}/${version.name as string}`,
          kind,
          file: join('crds', group, fileName),
          source: args.crdSource,
        });
      }
    }
  }
  return entries;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const kinds = [...generateKubernetes(args), ...generateCrds(args)];
  const toolchain = {
    kubeconform: args.kubeconform,
    kubeconformVersion: args.kubeconformVersion,
    kubernetesVersion: args.kubernetesVersion,
    crdSource: args.crdSource,
    schemaDir: args.finalDir,
    // -schema-location values: the first is completed by kubeconform with its default layout.
    schemaLocations: [
      join(args.finalDir, 'kubernetes'),
      join(args.finalDir, 'crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
    ],
    kinds,
  };
  writeFileSync(join(args.out, 'toolchain.json'), `${JSON.stringify(toolchain, null, 2)}\n`);
  console.log(JSON.stringify({ level: 'info', msg: 'schemas generated', kinds: kinds.length }));
}

main();
