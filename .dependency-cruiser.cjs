// The layering of src/, checked by dependency-cruiser (`npm run lint`): every import, including
// side-effect imports (`import './x.js'`) and type-only imports, points to the same folder or a
// lower layer, and no files import each other in a cycle. Folders on one line sit on the same
// layer and may not import each other, so a folder cycle cannot pass either.
/** Folders of src/, bottom to top. */
const LAYERS = [
  ['tensor'],
  ['kernels'],
  ['nn'],
  ['text'],
  ['recurrent'],
  ['model'],
  ['loss', 'optim', 'clip'],
  ['train'],
  ['check', 'io', 'parallel', 'background', 'forecast', 'classify'],
  ['node', 'onnx'],
];
/** Files at the top of src/ that may import anything: the public entries. */
const ENTRIES = ['index', 'node'];

const known = LAYERS.flat().join('|');
/** One rule per folder: nothing from its own layer (but itself) or any layer above it. */
const layerRules = LAYERS.flatMap((folders, i) =>
  folders.map((folder) => ({
    name: `layer-${folder}`,
    comment: `src/${folder}/ may import only its own folder and lower layers`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: {
      path: `^src/(${LAYERS.slice(i)
        .flat()
        .filter((f) => f !== folder)
        .join('|')})/`,
    },
  })),
).filter((rule) => !rule.to.path.includes('()'));

const unknownFolder = `^src/(?!(${known})/)[^/]+/`;
const strayFile = `^src/(?!(${ENTRIES.join('|')})\\.ts$)[^/]+$`;
/** A file out of place fails when it imports, is imported, or stands alone. */
function placeRules(name, path, comment) {
  return [
    { name, comment, severity: 'error', from: { path }, to: {} },
    { name, comment, severity: 'error', from: {}, to: { path } },
    { name, comment, severity: 'error', from: { path, orphan: true }, to: {} },
  ];
}

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'files may not import each other in a cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...placeRules(
      'layer-unknown-folder',
      unknownFolder,
      'every folder of src/ has a place in the layer list of .dependency-cruiser.cjs',
    ),
    ...placeRules(
      'layer-unknown-file',
      strayFile,
      'files at the top of src/ other than the entries have no layer',
    ),
    {
      name: 'no-entry-import',
      comment:
        'nothing inside src/ imports a public entry, but src/onnx/ (the rnnkit/onnx entry) takes Model and Tensor from rnnkit itself, so both entries share one copy of them',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: '^src/onnx/' },
      to: { path: `^src/(${ENTRIES.join('|')})\\.ts$` },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every relative import names a file that exists',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/kernels/assembly/' },
    // Type-only imports count: they are dependencies of the design even when erased.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
