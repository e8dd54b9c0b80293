#!/usr/bin/env node
// Checks the layering of src/: every import must point to the same folder or a lower layer,
// and there must be no import cycle between files or between folders. Exits 1 on any finding.
// Usage: node scripts/check-layers.mjs [srcDir]  (default: the repository's src/)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Folders of src/, bottom to top; folders on one line sit on the same layer. */
const LAYERS = [
  ['tensor'],
  ['kernels'],
  ['nn'],
  ['text'],
  ['recurrent'],
  ['model'],
  ['loss', 'optim', 'clip'],
  ['train'],
  ['check', 'io', 'parallel', 'background'],
  // The rnnkit/onnx subpath: a second entry, which takes Model and Tensor from 'rnnkit' itself.
  ['onnx'],
];
/** Files at the top of src/ that may import anything (the public entry). */
const ENTRIES = new Set(['index.ts']);
/** AssemblyScript sources, compiled to WebAssembly apart from the TypeScript (`npm run build:kernels`). */
const SKIPPED = new Set([join('kernels', 'assembly')]);

const root = process.argv[2]
  ? resolve(process.argv[2])
  : resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIPPED.has(relative(root, path))) return [];
    if (statSync(path).isDirectory()) return listFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

const folderOf = (file) => {
  const rel = relative(root, file).split('/');
  return rel.length === 1 ? null : rel[0];
};
const show = (file) => relative(join(root, '..'), file);

const problems = [];
const files = listFiles(root);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderGraph = new Map();

for (const [file, deps] of graph) {
  const from = folderOf(file);
  if (from === null && !ENTRIES.has(relative(root, file))) {
    problems.push(`${show(file)}: files at the top of src/ other than index.ts have no layer`);
  }
  if (from !== null && !rank.has(from)) {
    problems.push(`${show(file)}: folder '${from}' is not in the layer list of this script`);
    continue;
  }
  for (const dep of deps) {
    if (!graph.has(dep)) {
      problems.push(`${show(file)}: imports ${show(dep)}, which does not exist`);
      continue;
    }
    const to = folderOf(dep);
    if (from === null || from === to) continue;
    if (to === null) {
      problems.push(`${show(file)}: imports the entry ${show(dep)}`);
      continue;
    }
    if (!folderGraph.has(from)) folderGraph.set(from, new Set());
    folderGraph.get(from).add(to);
    if (rank.get(to) >= rank.get(from)) {
      const where = rank.get(to) === rank.get(from) ? 'the same layer' : 'a higher layer';
      problems.push(`${show(file)}: imports ${show(dep)} from ${where} (${from} -> ${to})`);
    }
  }
}

/** Every cycle found by depth-first search, each reported once by its smallest member. */
function cycles(nodes, edges) {
  const found = new Set();
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges(n)) {
      if (state.get(m) === 'open') {
        const cycle = stack.slice(stack.indexOf(m));
        const start = cycle.indexOf([...cycle].sort()[0]);
        found.add([...cycle.slice(start), ...cycle.slice(0, start)].join(' -> '));
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of nodes) if (!state.has(n)) visit(n);
  return [...found];
}

for (const c of cycles(files, (f) => (graph.get(f) ?? []).filter((d) => graph.has(d)))) {
  problems.push(`file import cycle: ${c.split(' -> ').map(show).join(' -> ')}`);
}
for (const c of cycles([...folderGraph.keys()], (f) => folderGraph.get(f) ?? [])) {
  problems.push(`folder import cycle: ${c}`);
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, no cycles, every import points down`);
