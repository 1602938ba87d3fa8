// Builds one app for production: compiles the app and every workspace lib it imports (found by
// following imports from its main.ts) with SWC, rewriting @mch/* aliases to relative paths, into
// dist/apps/<app>/, plus a main.js entry. npm packages stay external (installed in the image).
// Usage: node tools/scripts/build-app.js <app>
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const app = process.argv[2];
if (!app || !fs.existsSync(path.join(root, 'apps', app, 'src/main.ts'))) {
  console.error(`usage: build-app.js <app>; apps/${app}/src/main.ts not found`);
  process.exit(2);
}
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const aliases = Object.fromEntries(Object.entries(compilerOptions.paths).map(([k, v]) => [k, path.join(root, v[0])]));
const outDir = path.join(root, 'dist/apps', app);

function resolveImport(from, spec) {
  const target = aliases[spec] ?? (spec.startsWith('.') ? path.resolve(path.dirname(from), spec) : null);
  if (!target) return null;
  for (const candidate of [target, `${target}.ts`, path.join(target, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot resolve '${spec}' imported by ${path.relative(root, from)}`);
}

const seen = new Set();
// Every entry point of the app: main.ts and any CLI beside it (not the specs).
const queue = fs
  .readdirSync(path.join(root, 'apps', app, 'src'))
  .filter((f) => f.endsWith('.ts') && !/\.(spec|integration-spec)\.ts$/.test(f))
  .map((f) => path.join(root, 'apps', app, 'src', f));
while (queue.length) {
  const file = queue.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)) {
    const resolved = resolveImport(file, match[1] ?? match[2]);
    if (resolved) queue.push(resolved);
  }
}

fs.rmSync(outDir, { recursive: true, force: true });
for (const file of seen) {
  const rel = path.relative(root, file);
  const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
  let { code } = swc.transformFileSync(file, {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: false,
  });
  // Alias imports become relative requires into the built tree.
  code = code.replace(/require\("(@mch\/[^"]+)"\)/g, (all, spec) => {
    const target = resolveImport(file, spec);
    let relative = path.relative(path.dirname(out), path.join(outDir, path.relative(root, target).replace(/\.ts$/, '')));
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `require("${relative}")`;
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
}
fs.writeFileSync(path.join(outDir, 'main.js'), `require('./apps/${app}/src/main.js');\n`);
console.log(`built ${app}: ${seen.size} modules -> ${path.relative(root, outDir)}/main.js`);
