#!/usr/bin/env node
// Checks that the built public declarations (dist/index.d.ts, after `npm run build`) name no
// internal type of the recurrent stack or the parameter store. Exits 1 when one is there.
import { readFileSync } from 'node:fs';

const INTERNAL = [
  'Direction',
  'RecurrentStack',
  'CellKernel',
  'ParameterSet',
  'InitialState',
  'BatchSplit',
  'Head',
  'traceStepGradients',
  'headWeights',
];
const text = readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8');
// Declarations only: a doc comment may use these words in their plain sense ("Direction of the pass").
const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
const found = INTERNAL.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
if (found.length > 0) {
  console.error(`dist/index.d.ts declares internal names: ${found.join(', ')}`);
  process.exit(1);
}
console.log(`dist/index.d.ts: ${text.split('\n').length} lines, no internal names`);
