/**
 * Packs the package as `npm publish` would (prepack builds it), installs the tarball into a
 * fresh project in a temporary folder, and uses it the ways a user would: imported from ESM and
 * from CommonJS in Node, and type-checked by TypeScript with `module: node16` (an .mts and a
 * .cts file) and with `moduleResolution: bundler`, every time with `lib: ["ES2022"]` only (no
 * DOM, no Node types). Exits non-zero on the first failure.
 *
 *   node scripts/check-pack.mjs [--keep]
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(path.join(tmpdir(), 'rnnkit-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function step(name, fn) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}`);
    console.error(String(err.stdout ?? '') + String(err.stderr ?? '') || String(err));
    process.exitCode = 1;
    throw err;
  }
}

async function stepAsync(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}`);
    console.error(String(err.stdout ?? '') + String(err.stderr ?? '') || String(err));
    throw err;
  }
}

function write(dir, files) {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
}

// A tiny training run through the public API, the same in every module setup.
const usage = (imports) => `${imports}
const inputs = Tensor.from([[[0], [1], [0]], [[1], [0], [1]]]);
const targets = Tensor.from([[[1], [0], [1]], [[0], [1], [0]]]);
const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1, seed: 1 });
const stop = { aborted: false };
const history = fit(model, { inputs, targets }, {
  loss: mseLoss(),
  optimizer: adam({ lr: 0.05 }),
  epochs: 20,
  batchSize: 2,
  signal: stop,
});
const first: number = history.epochs[0].loss;
const last: number = history.epochs[history.epochs.length - 1].loss;
if (!(last < first)) throw new Error('loss did not fall: ' + first + ' -> ' + last);
const out: Tensor = model.predict(inputs);
if (out.shape.join(',') !== '2,3,1') throw new Error('unexpected output shape ' + out.shape.join(','));
console.log('trained: loss ' + first.toFixed(4) + ' -> ' + last.toFixed(4));
`;
const js = (src) => src.replace(/: (number|Tensor)\b/g, '');
const names = 'Model, Tensor, adam, fit, mseLoss';

/**
 * useThreads in an app bundled by esbuild (platform node). A float32 model on the wasm kernels
 * runs on two threads with no worker script (its threads share its memory). A float64 model's
 * threads are replicas: without the worker script useThreads fails with an error that says how
 * to provide it; with dist/worker.cjs copied next to the bundle and setWorkerUrl, it runs on
 * two threads.
 */
async function bundledThreads(app, format) {
  const out = path.join(app, `bundle-${format}`);
  mkdirSync(out);
  const here =
    format === 'esm' ? 'import.meta.url' : "require('node:url').pathToFileURL(__filename)";
  const code = (setup, dtype) => `import { Model, Tensor, setWorkerUrl } from 'rnnkit';
${setup}
const model = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 4, seed: 1, dtype: '${dtype}' });
model.useThreads(2).then(
  () => {
    model.forward(new Tensor([8, 3, 2], '${dtype}'));
    console.log('threads ' + model.threads);
    return model.useThreads(1);
  },
  (err) => console.log(err.message),
);
`;
  const bundle = async (name, setup, dtype = 'float64') => {
    const entry = path.join(app, `${name}-${format}.mjs`);
    writeFileSync(entry, code(setup, dtype));
    const outfile = path.join(out, `${name}.${format === 'esm' ? 'mjs' : 'cjs'}`);
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format,
      outfile,
      logLevel: 'silent',
    });
    return run(process.execPath, [outfile], out).trim();
  };
  await stepAsync(
    `bundled (${format}), float32 on wasm: two threads, no worker script`,
    async () => {
      const shared = await bundle('shared', '', 'float32');
      if (shared !== 'threads 2') throw new Error(`unexpected output: ${shared}`);
    },
  );
  await stepAsync(
    `bundled (${format}), float64, without the worker script: the error says what to do`,
    async () => {
      const missing = await bundle('missing', '');
      if (!missing.includes('copy node_modules/rnnkit/dist/worker.cjs next to the bundle')) {
        throw new Error(`unexpected output: ${missing}`);
      }
    },
  );
  const worker = path.join(app, 'node_modules', 'rnnkit', 'dist', 'worker.cjs');
  await stepAsync(
    `bundled (${format}), float64, with dist/worker.cjs copied and setWorkerUrl: two threads`,
    async () => {
      copyFileSync(worker, path.join(out, 'worker.cjs'));
      const copied = await bundle('copied', `setWorkerUrl(new URL('./worker.cjs', ${here}));`);
      if (copied !== 'threads 2') throw new Error(`unexpected output: ${copied}`);
    },
  );
}

let tarball = '';
try {
  step('npm pack (prepack builds dist)', () => {
    // prepack's build prints to stdout too: the JSON report is the array at the end.
    const out = run(npm, ['pack', '--json', '--pack-destination', work], repo);
    const packed = JSON.parse(out.slice(out.lastIndexOf('\n[') + 1));
    tarball = path.join(work, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    for (const needed of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/worker.js',
      'dist/worker.cjs',
      'dist/onnx.js',
      'dist/onnx.cjs',
      'dist/onnx.d.ts',
      'dist/onnx.d.cts',
    ]) {
      if (!files.includes(needed))
        throw new Error(`the tarball has no ${needed}: ${files.join(', ')}`);
    }
  });

  const app = path.join(work, 'app');
  mkdirSync(app);
  write(app, { 'package.json': JSON.stringify({ name: 'app', private: true }, null, 2) });
  step('npm install <tarball> into a fresh project', () => {
    run(
      npm,
      ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball],
      app,
    );
    if (!readdirSync(path.join(app, 'node_modules')).includes('rnnkit')) {
      throw new Error('rnnkit is not in node_modules');
    }
  });

  write(app, {
    'esm.mjs': js(usage(`import { ${names} } from 'rnnkit';`)),
    'cjs.cjs': js(usage(`const { ${names} } = require('rnnkit');`)),
  });
  step('import from ESM (node esm.mjs)', () => run(process.execPath, ['esm.mjs'], app));
  step('require from CommonJS (node cjs.cjs)', () => run(process.execPath, ['cjs.cjs'], app));
  // rnnkit/onnx builds the main entry's Model: a round trip through ONNX bytes keeps the class.
  const onnxUsage = (imports) => `${imports}
const model = new Model({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1 });
const back = fromOnnx(toOnnx(model));
if (!(back instanceof Model) || back.parameterCount !== model.parameterCount) throw new Error('rnnkit/onnx round trip failed');
console.log('rnnkit/onnx ok');`;
  write(app, {
    'onnx-esm.mjs': onnxUsage(
      `import { Model } from 'rnnkit';\nimport { fromOnnx, toOnnx } from 'rnnkit/onnx';`,
    ),
    'onnx-cjs.cjs': onnxUsage(
      `const { Model } = require('rnnkit');\nconst { fromOnnx, toOnnx } = require('rnnkit/onnx');`,
    ),
  });
  step('rnnkit/onnx from ESM (node onnx-esm.mjs)', () =>
    run(process.execPath, ['onnx-esm.mjs'], app),
  );
  step('rnnkit/onnx from CommonJS (node onnx-cjs.cjs)', () =>
    run(process.execPath, ['onnx-cjs.cjs'], app),
  );

  // rnnkit/node: a model saved and loaded back is an instance of the main entry's Model.
  const nodeUsage = (load) => `${load}
const file = require('node:path').join(require('node:os').tmpdir(), 'rnnkit-pack-' + process.pid + '.safetensors');
const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 3 });
saveModel(model, file).then(() => loadModel(file)).then((again) => {
  require('node:fs').rmSync(file);
  if (!(again instanceof Model) || again.parameterCount !== model.parameterCount) process.exit(1);
  console.log('rnnkit/node: saved and loaded back a Model');
});
`;
  write(app, {
    'node-esm.mjs': nodeUsage(
      "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nimport { Model } from 'rnnkit';\nimport { loadModel, saveModel } from 'rnnkit/node';",
    ),
    'node-cjs.cjs': nodeUsage(
      "const { Model } = require('rnnkit');\nconst { loadModel, saveModel } = require('rnnkit/node');",
    ),
  });
  step('rnnkit/node from ESM (node node-esm.mjs)', () =>
    run(process.execPath, ['node-esm.mjs'], app),
  );
  step('rnnkit/node from CommonJS (node node-cjs.cjs)', () =>
    run(process.execPath, ['node-cjs.cjs'], app),
  );

  const base = { strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022'], types: [] };
  const setups = {
    'module node16 (.mts and .cts)': {
      compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' },
      files: ['esm.mts', 'cjs.cts'],
    },
    'moduleResolution bundler': {
      compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' },
      files: ['bundler.ts'],
    },
  };
  // lib ES2022 alone declares no console, so each TypeScript file declares the one it uses.
  const tsImports = `import { ${names} } from 'rnnkit';\ndeclare const console: { log(s: string): void };`;
  write(app, {
    'esm.mts': usage(tsImports),
    'cjs.cts': usage(tsImports),
    'bundler.ts': usage(tsImports),
  });
  for (const [name, config] of Object.entries(setups)) {
    step(`TypeScript, ${name}, lib ES2022 only`, () => {
      writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(config, null, 2));
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    });
  }
  step('no development-only loader (tsx) in dist', () => {
    const dist = path.join(app, 'node_modules', 'rnnkit', 'dist');
    for (const f of readdirSync(dist).filter((n) => /\.c?js$/.test(n))) {
      if (readFileSync(path.join(dist, f), 'utf8').includes('tsx'))
        throw new Error(`${f} mentions tsx`);
    }
  });
  for (const format of ['esm', 'cjs']) {
    await bundledThreads(app, format);
  }
  console.log(`the packed tarball works: ${path.basename(tarball)}`);
} catch {
  process.exitCode = 1;
} finally {
  if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
