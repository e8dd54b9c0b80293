import type { FloatArray } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { glorotInit, orthogonalInit, uniformInit } from '../tensor/init.js';
import type { ParameterSet } from '../nn/parameters.js';
import { cellSpec } from '../recurrent/cells.js';
import type { ResolvedModelOptions } from './options.js';

/**
 * Re-draws every parameter from `rng`. Recurrent weights follow the `init` option (PyTorch's
 * U(-1/√H, 1/√H) by default; `glorot` and `orthogonal` work per gate block and zero the
 * biases); the head and encoders use U(-1/√fanIn, 1/√fanIn) like PyTorch's Linear; learned
 * initial states start at zero; an embedding table is drawn from N(0, 1) like PyTorch's.
 */
export function initializeParameters(
  params: ParameterSet,
  o: ResolvedModelOptions,
  rng: Rng,
): void {
  const D = o.bidirectional ? 2 : 1;
  for (const p of params.list) {
    const v = params.view(p);
    if (p.name.startsWith('rnn.')) initRecurrent(o, p.name, p.shape, v, rng);
    else if (p.name === 'h0' || p.name === 'c0') v.fill(0);
    else if (p.name === 'embed.weight') for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    else {
      const fanIn = p.name.startsWith('head') ? D * o.hiddenSize : o.contextSize;
      uniformInit(v, rng, 1 / Math.sqrt(fanIn));
    }
  }
}

function initRecurrent(
  o: ResolvedModelOptions,
  name: string,
  shape: readonly number[],
  v: FloatArray,
  rng: Rng,
): void {
  const { init, hiddenSize: H, unitForgetBias } = o;
  const isBias = name.startsWith('rnn.bias');
  const spec = cellSpec(o.cell);
  const G = spec.gates;
  if (init === 'pytorch') uniformInit(v, rng, 1 / Math.sqrt(H));
  else if (isBias) v.fill(0);
  else {
    const cols = shape[1];
    for (let g = 0; g < G; g++) {
      const block = v.subarray(g * H * cols, (g + 1) * H * cols);
      if (init === 'orthogonal' && name.startsWith('rnn.weight_hh'))
        orthogonalInit(block, rng, H, H);
      else glorotInit(block, rng, cols, H);
    }
  }
  const f = spec.forgetGate;
  if (unitForgetBias && isBias && f !== undefined)
    v.fill(name.startsWith('rnn.bias_ih') ? 1 : 0, f * H, (f + 1) * H);
}
