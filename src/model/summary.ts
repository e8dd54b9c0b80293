import type { Parameters } from '../nn/parameters.js';
import type { ResolvedModelOptions } from './options.js';

/** A table of a model: its configuration, then every parameter with its shape and size. */
export function summarize(o: ResolvedModelOptions, params: Parameters): string {
  const dir =
    (o.bidirectional ? ', bidirectional' : o.reverse ? ', reverse' : '') +
    (o.linearBeforeReset ? '' : ', reset before the hidden product');
  const head =
    o.outputSize === null
      ? 'no head'
      : `head ${o.outputSize} at ${o.head === 'last' ? 'the last step' : 'every step'}`;
  const lines = [
    `${o.cell.toUpperCase()} ${o.inputSize} -> ${o.hiddenSize} x ${o.numLayers} layer(s)${dir}, ${head}, initial state ${o.initialState}, ${o.dtype}`,
  ];
  const width = Math.max(...params.list.map((p) => p.name.length));
  for (const p of params.list) {
    lines.push(
      `  ${p.name.padEnd(width)}  [${p.shape.join(', ')}]`.padEnd(width + 20) +
        String(p.size).padStart(8),
    );
  }
  lines.push(`  ${'total'.padEnd(width)}`.padEnd(width + 20) + String(params.count).padStart(8));
  return lines.join('\n');
}
