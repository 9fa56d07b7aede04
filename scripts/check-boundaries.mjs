// Enforces the layer rules of DESIGN.md / STYLE.md: which folder may import which, no import cycles, and no
// I/O, clock or environment access inside the pure layers (protocol, engine).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve('src');
const allowed = {
  protocol: { layers: ['protocol'], packages: ['zod'] },
  engine: { layers: ['protocol', 'engine'], packages: ['liquidjs', 'ajv', 're2js', 'jsep'] },
  providers: { layers: ['protocol', 'engine', 'providers'], packages: null },
  tools: { layers: ['protocol', 'engine', 'tools'], packages: null },
  store: { layers: ['protocol', 'engine', 'store'], packages: null },
  queue: { layers: ['protocol', 'engine', 'store', 'queue'], packages: null },
  runs: { layers: ['protocol', 'engine', 'store', 'queue', 'runs'], packages: null },
  api: { layers: ['protocol', 'engine', 'store', 'queue', 'runs', 'api'], packages: null },
  cli: { layers: null, packages: null },
  '.': { layers: null, packages: null },
};
const pureLayers = ['protocol', 'engine'];
const forbiddenInPure = [
  [/\bprocess\.(env|exit|argv|cwd)/, 'process access'],
  [/\bDate\.now\(/, 'Date.now() (use the Clock port)'],
  [/new Date\(\)/, 'new Date() (use the Clock port)'],
  [/\bfetch\(/, 'fetch (use a port)'],
  [/\bMath\.random\(/, 'Math.random() (use the Ids port)'],
];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const layerOf = (file) => {
  const first = relative(root, file).split('/')[0];
  return first.endsWith('.ts') ? '.' : first;
};

const problems = [];
const graph = new Map();
for (const file of files(root)) {
  const source = readFileSync(file, 'utf8');
  const layer = layerOf(file);
  const rule = allowed[layer];
  if (!rule) problems.push(`${relative('.', file)}: folder '${layer}' is not in the layer table`);
  const edges = [];
  for (const match of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const specifier = match[1];
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      edges.push(target);
      const targetLayer = layerOf(target);
      if (rule?.layers && !rule.layers.includes(targetLayer))
        problems.push(`${relative('.', file)}: ${layer}/ may not import ${targetLayer}/ (${specifier})`);
    } else if (rule?.packages && !/^import\s+type\s/.test(match[0].trim())) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!rule.packages.includes(name)) problems.push(`${relative('.', file)}: ${layer}/ may not import the package '${specifier}'`);
    }
  }
  graph.set(file, edges);
  if (pureLayers.includes(layer)) {
    const code = source.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [pattern, what] of forbiddenInPure)
      if (pattern.test(code)) problems.push(`${relative('.', file)}: ${what} is not allowed in ${layer}/`);
  }
}

// Cycle check over runtime and type imports alike.
const state = new Map();
const stack = [];
function visit(file) {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'active') {
    problems.push(`import cycle: ${[...stack.slice(stack.indexOf(file)), file].map((path) => relative('.', path)).join(' -> ')}`);
    return;
  }
  state.set(file, 'active');
  stack.push(file);
  for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next);
  stack.pop();
  state.set(file, 'done');
}

// The dashboard (web/) and the typed client (client/): each stays inside its own folder (the dashboard reaches the
// client through its package, @flowrun/client, never the server's src/), and neither has an import circle.
for (const [folder, name] of [
  ['web/src', 'web'],
  ['client/src', 'client'],
]) {
  const base = resolve(folder);
  for (const file of files(base)) {
    const edges = [];
    // Static imports and the screens' lazy import('…') alike.
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
      ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ];
    for (const match of specifiers) {
      if (!match[1].startsWith('.')) continue;
      const target = resolve(dirname(file), match[1].replace(/\.js$/, ''));
      if (!target.startsWith(base)) problems.push(`${relative('.', file)}: ${name}/ may not import outside ${folder} (${match[1]})`);
      const candidates = [target, `${target}.ts`, `${target}.tsx`, join(target, 'index.ts')];
      edges.push(candidates.find((candidate) => graph.has(candidate) || files(dirname(candidate)).includes(candidate)) ?? target);
    }
    graph.set(file, edges);
  }
}
for (const file of graph.keys()) visit(file);

if (problems.length > 0) {
  console.error(`boundaries: ${problems.length} problem(s)\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  process.exit(1);
}
console.log(`boundaries: ${graph.size} files, layers and cycles OK`);
