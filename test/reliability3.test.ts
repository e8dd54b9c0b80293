import { describe, expect, it } from 'vitest';
import {
  Model,
  Rng,
  Sampler,
  Tensor,
  Vocabulary,
  adam,
  argmax,
  fit,
  fitAsync,
  generate,
  generateText,
  gradCheck,
  loadCheckpoint,
  mseLoss,
  saveCheckpoint,
  sgd,
  trainStep,
  trainTruncated,
  type Loss,
  type Optimizer,
} from '../src/index.js';
import { encodeSafetensors } from '../src/nn/safetensors.js';
import { dropoutModeOf } from '../src/model/dropout-mode.js';

const small = (extra: object = {}): Model =>
  new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 4, ...extra });
const batch = (B = 2, T = 4) => ({
  input: new Tensor([B, T, 2]).map((_, i) => Math.sin(i)),
  target: new Tensor([B, T, 1]).map((_, i) => Math.cos(i) / 2),
});
const generator = (m: Model) => dropoutModeOf(m)?.generator;
const throwingLoss = (): Loss => {
  const mse = mseLoss();
  return Object.assign(Object.create(mse) as Loss, {
    compute: () => {
      throw new Error('loss failed');
    },
  });
};
/** Everything a call must leave as it was when it throws. */
const snapshot = (m: Model, o: Optimizer) => ({
  weights: Array.from(m.params.values),
  optimizer: JSON.stringify(o.stateDict(), (_, v: unknown) =>
    ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
  ),
  generator: generator(m),
});

describe('checkpoints and model files prove their integrity', () => {
  const trained = () => {
    const m = small({ cell: 'rnn', hiddenSize: 2 });
    const o = adam({ lr: 0.01 });
    trainStep(m, batch(), { loss: mseLoss(), optimizer: o });
    return { m, o };
  };
  const headerEnd = (bytes: Uint8Array) =>
    8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

  it.each(['checkpoint', 'model file'])(
    'a %s with any one bit of its header or every 7th bit of its data flipped is an error',
    (kind) => {
      const { m, o } = trained();
      const bytes = kind === 'checkpoint' ? saveCheckpoint(m, o, { epoch: 1 }) : m.toSafetensors();
      const load = (b: Uint8Array) =>
        kind === 'checkpoint' ? loadCheckpoint(b, adam({ lr: 0.01 })) : Model.fromSafetensors(b);
      expect(() => load(bytes)).not.toThrow();
      const end = headerEnd(bytes);
      let flips = 0;
      for (let bit = 0; bit < bytes.length * 8; bit += bit < end * 8 ? 1 : 7) {
        const b = bytes.slice();
        b[bit >> 3] ^= 1 << (bit & 7);
        expect(() => load(b), `bit ${bit}`).toThrow();
        flips++;
      }
      expect(flips).toBeGreaterThan(end * 8);
    },
  );

  it('still loads safetensors files without a checksum (written elsewhere)', () => {
    const m = small();
    const bytes = encodeSafetensors(m.stateDict(), {
      format: 'rnnkit-model/1',
      options: JSON.stringify(m.toJSON().options),
    });
    expect(Model.fromSafetensors(bytes).params.values).toEqual(m.params.values);
  });

  it('rejects a forged second moment of -1 and leaves the optimizer as it was', () => {
    const { m, o } = trained();
    const forged: Optimizer = Object.assign(Object.create(o) as Optimizer, {
      stateDict: () => {
        const s = o.stateDict();
        const sq = Float64Array.from(s.state.exp_avg_sq);
        sq[3] = -1;
        return { ...s, state: { ...s.state, exp_avg_sq: sq } };
      },
    });
    const bytes = saveCheckpoint(m, forged, { epoch: 1 });
    const target = adam({ lr: 0.01 });
    expect(() => loadCheckpoint(bytes, target)).toThrow(/'exp_avg_sq' has -1 at 3/);
    expect(target.stateDict().step).toBe(0);
  });

  it('treats an entry named __proto__ as an entry: extra in a file or a checkpoint', () => {
    const m = small();
    const tensors = m.stateDict();
    // Empty, so that the count of values still matches the options.
    Object.defineProperty(tensors, '__proto__', { value: new Tensor([0]), enumerable: true });
    const file = encodeSafetensors(tensors, {
      format: 'rnnkit-model/1',
      options: JSON.stringify(m.toJSON().options),
    });
    expect(() => Model.fromSafetensors(file)).toThrow(/unexpected entries: __proto__/);
    const o = adam();
    trainStep(m, batch(), { loss: mseLoss(), optimizer: o });
    const forged: Optimizer = Object.assign(Object.create(o) as Optimizer, {
      stateDict: () => {
        const s = o.stateDict();
        const state = { ...s.state };
        Object.defineProperty(state, '__proto__', { value: s.state.exp_avg, enumerable: true });
        return { ...s, state };
      },
    });
    const ckpt = saveCheckpoint(m, forged, { epoch: 1 });
    const target = adam();
    expect(() => loadCheckpoint(ckpt, target)).toThrow(/unexpected buffer '__proto__'/);
    expect(target.stateDict().step).toBe(0);
  });

  it('explains a null optimizer and a DataView where arrays belong', () => {
    const m = small();
    const bytes = saveCheckpoint(m, adam(), { epoch: 0 });
    expect(() => loadCheckpoint(bytes, null as never)).toThrow(
      /optimizer is null, expected an Optimizer/,
    );
    const j = m.toJSON();
    const params = {
      ...j.params,
      'head.bias': { shape: [1], data: new DataView(new ArrayBuffer(8)) },
    };
    expect(() => Model.fromJSON({ ...j, params })).toThrow(
      /head.bias.data is an object \(DataView\), expected an array of numbers/,
    );
  });
});

describe('a call that throws changes nothing', () => {
  it('fit on a NaN validation set leaves weights, optimizer and dropout generator', () => {
    const m = small({ numLayers: 2, dropout: 0.5 });
    const o = adam();
    const before = snapshot(m, o);
    const bad = { inputs: new Tensor([1, 4, 2]).map(() => NaN), targets: new Tensor([1, 4, 1]) };
    const data = { inputs: batch().input, targets: batch().target };
    expect(() => fit(m, data, { loss: mseLoss(), optimizer: o, validation: bad })).toThrow(
      /validation set/,
    );
    expect(snapshot(m, o)).toEqual(before);
  });

  it('fit whose onEpoch throws puts back weights, optimizer and generator', () => {
    const m = small({ numLayers: 2, dropout: 0.5 });
    const o = adam();
    const before = snapshot(m, o);
    const data = { inputs: batch().input, targets: batch().target };
    const onEpoch = () => {
      throw new Error('callback failed');
    };
    expect(() => fit(m, data, { loss: mseLoss(), optimizer: o, epochs: 2, onEpoch })).toThrow(
      'callback failed',
    );
    expect(snapshot(m, o)).toEqual(before);
  });

  it("trainStep undone by onNonFinite 'throw' keeps the generator; a later backward asks for a forward", () => {
    const m = small({ numLayers: 2, dropout: 0.5 });
    const o = sgd({ lr: 1e300 });
    const before = snapshot(m, o);
    expect(() =>
      trainStep(m, batch(), { loss: mseLoss(), optimizer: o, onNonFinite: 'throw' }),
    ).toThrow(/training step undone/);
    expect(snapshot(m, o)).toEqual(before);
    expect(() => m.backward(new Tensor([2, 4, 1]))).toThrow(/run forward again/);
  });

  it('a loss that throws leaves the dropout generator where it was', () => {
    const m = small({ numLayers: 2, dropout: 0.5 });
    const o = adam();
    const before = snapshot(m, o);
    expect(() => trainStep(m, batch(), { loss: throwingLoss(), optimizer: o })).toThrow(
      'loss failed',
    );
    expect(snapshot(m, o)).toEqual(before);
  });

  it('a custom optimizer that throws halfway leaves finite weights and a savable model', () => {
    const m = small();
    const inner = adam({ lr: 0.01 });
    const o: Optimizer = Object.assign(Object.create(inner) as Optimizer, {
      step(values: Float64Array | Float32Array) {
        values.fill(NaN, 0, 10);
        throw new Error('optimizer failed');
      },
    });
    const before = snapshot(m, inner);
    expect(() => trainStep(m, batch(), { loss: mseLoss(), optimizer: o })).toThrow(
      'optimizer failed',
    );
    expect(snapshot(m, inner)).toEqual(before);
    expect(() => Model.fromSafetensors(m.toSafetensors())).not.toThrow();
  });

  it("gradCheck with a loss that throws leaves no weight and none of the caller's input nudged", () => {
    const m = small({ dtype: 'float64' });
    const b = batch();
    const input = Array.from(b.input.data);
    const weights = Array.from(m.params.values);
    const mse = mseLoss();
    let calls = 0;
    const flaky: Loss = Object.assign(Object.create(mse) as Loss, {
      compute: (...args: Parameters<Loss['compute']>) => {
        if (++calls === 4) throw new Error('loss failed');
        return mse.compute(...args);
      },
    });
    expect(() => gradCheck(m, b, { loss: flaky })).toThrow('loss failed');
    expect(Array.from(m.params.values)).toEqual(weights);
    expect(Array.from(b.input.data)).toEqual(input);
  });
});

describe('the guard', () => {
  it('undoes an update beyond maxAbsWeight (Adam at lr 3e38)', () => {
    const m = small();
    const o = adam({ lr: 3e38 });
    const weights = Array.from(m.params.values);
    const r = trainStep(m, batch(), { loss: mseLoss(), optimizer: o, maxAbsWeight: 1e3 });
    expect(r.skipped).toBe(true);
    expect(r.skipReason).toMatch(/beyond maxAbsWeight 1000/);
    expect(Array.from(m.params.values)).toEqual(weights);
    expect(o.stateDict().step).toBe(0);
  });

  it.each([
    ['mask', { mask: new Tensor([2, 4]) }],
    ['weights', { weights: new Tensor([2]) }],
  ])('makes no update for a batch whose %s is all 0, and says so', (_, extra) => {
    const m = small();
    const o = adam({ lr: 0.1 });
    const weights = Array.from(m.params.values);
    const r = trainStep(
      m,
      { ...batch(), ...extra },
      {
        loss: mseLoss(),
        optimizer: o,
        onNonFinite: 'throw',
      },
    );
    expect(r).toMatchObject({ skipped: true, empty: true });
    expect(r.skipReason).toMatch(/no real step/);
    expect(Array.from(m.params.values)).toEqual(weights);
    expect(o.stateDict().step).toBe(0);
  });
});

describe('truncated BPTT takes the training options as trainStep does', () => {
  it("throws under onNonFinite 'throw' and rejects a misspelt option", () => {
    const m = small();
    const o = sgd({ lr: 1e300 });
    expect(() =>
      trainTruncated(m, batch(), { loss: mseLoss(), optimizer: o, chunk: 2, onNonFinite: 'throw' }),
    ).toThrow(/training step undone/);
    expect(() =>
      trainTruncated(m, batch(), { loss: mseLoss(), optimizer: o, chunk: 2, chunck: 2 } as never),
    ).toThrow(/unknown option 'chunck' \(did you mean 'chunk'\?\)/);
  });
});

describe('bounds', () => {
  const hostile = (make: () => unknown) => {
    const heap = process.memoryUsage();
    const t0 = performance.now();
    let message = '';
    try {
      make();
    } catch (e) {
      message = (e as Error).message;
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    const mb = (after.heapUsed + after.arrayBuffers - heap.heapUsed - heap.arrayBuffers) / 1e6;
    return { message, ms, mb };
  };
  const longKey = 'x'.repeat(1_000_000);
  const options = JSON.stringify({ cell: 'rnn', inputSize: 1, hiddenSize: 2, [longKey]: 1 });

  it.each([
    [
      'safetensors',
      () => Model.fromSafetensors(encodeSafetensors({}, { format: 'rnnkit-model/1', options })),
    ],
    [
      'checkpoint',
      () =>
        loadCheckpoint(
          encodeSafetensors(
            {},
            {
              format: 'rnnkit-model/1',
              options,
              progress: '{"epoch":0,"seed":0}',
              optimizer: '{}',
            },
          ),
          adam(),
        ),
    ],
    [
      'model JSON',
      () => Model.fromJSON({ format: 'rnnkit-model/1', options: JSON.parse(options) as object }),
    ],
    [
      'safetensors entry name',
      () => Model.fromSafetensors(encodeSafetensors({ [longKey]: new Tensor([1]) })),
    ],
  ])(
    'rejects a 1 MB hostile %s in under 100 ms and 50 MB, quoting at most ~100 characters',
    (_, make) => {
      hostile(make); // warm up the code paths
      const r = hostile(make);
      expect(r.message).not.toBe('');
      expect(r.message.length).toBeLessThan(400);
      expect(r.ms).toBeLessThan(100);
      expect(r.mb).toBeLessThan(50);
    },
  );

  it('caps threads, generate length and stream batch with clear RangeErrors', async () => {
    const m = small();
    await expect(m.useThreads(1e6)).rejects.toThrow(
      /threads is 1000000, expected an integer in \[1, \d+\]/,
    );
    expect(() => m.createStream(1e9)).toThrow(
      /batchSize is 1000000000, expected an integer in \[1, 65536\]/,
    );
    const lm = new Model({ inputSize: 3, hiddenSize: 4, outputSize: 3 });
    expect(() => generate(lm, [1], 2 ** 31)).toThrow(
      /length is 2147483648, expected at most 16777216/,
    );
  });
});

describe('checks at every boundary', () => {
  it('Stream.step rejects 1e39 on a float32 model and keeps its state', () => {
    const m = small();
    const s = m.createStream(1);
    s.step([0.1, 0.2]);
    const h = Array.from(s.h);
    expect(() => s.step([1e39, 0])).toThrow(/step input has 1e\+39 at 0, outside float32's range/);
    expect(Array.from(s.h)).toEqual(h);
  });

  it('Stream.step takes flat numbers, nested arrays or a Tensor alike', () => {
    const m = small();
    const a = m.createStream(2);
    const b = m.createStream(2);
    const c = m.createStream(2);
    const flat = Array.from(a.step([0.1, 0.2, 0.3, 0.4]));
    expect(
      Array.from(
        b.step([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
      ),
    ).toEqual(flat);
    expect(Array.from(c.step(new Tensor([2, 2], Float32Array.from([0.1, 0.2, 0.3, 0.4]))))).toEqual(
      flat,
    );
  });

  it('Sampler, argmax and generate refuse logits that are not finite or too short', () => {
    const rng = new Rng(1);
    const before = rng.getState();
    expect(() => new Sampler(3).sample([NaN, 0, 0], rng)).toThrow(/logits\[0\] is NaN/);
    expect(rng.getState()).toEqual(before);
    expect(() => new Sampler(3, { temperature: 0 }).sample([0, Infinity, 0], rng)).toThrow(
      /logits\[1\] is Infinity/,
    );
    expect(() => argmax([1, 2, 3], 0, 10)).toThrow(/logits has 3 values, expected at least 10/);
    const lm = new Model({ inputSize: 3, hiddenSize: 4, outputSize: 3, dtype: 'float64' });
    const bias = lm.params.get('head.bias');
    if (bias === undefined) throw new Error('the model has no head.bias');
    lm.params.view(bias).fill(Infinity);
    expect(() => generate(lm, [1], 3)).toThrow(
      /generate: the model's output before token 0 is not usable: logits\[0\] is Infinity/,
    );
  });

  it('generateText needs a vocabulary of the model output size', () => {
    const vocab = Vocabulary.fromText('abcdefghi');
    const lm = new Model({ inputSize: 6, hiddenSize: 4, outputSize: 6 });
    expect(vocab.size).not.toBe(6);
    expect(() => generateText(lm, vocab, 'a', 3)).toThrow(
      /vocabulary has \d+ tokens, the model gives logits for 6: expected the same/,
    );
  });
});

describe('how fit reports and yields', () => {
  const data = () => ({ inputs: batch(8, 5).input, targets: batch(8, 5).target });

  it('says why it stopped, early stopping included, and numbers epochs from 1 in text', () => {
    const m = small();
    const done = fit(m, data(), { loss: mseLoss(), optimizer: adam(), epochs: 2 });
    expect(done.stopReason).toBe('completed');
    const stopped = fit(small(), data(), {
      loss: mseLoss(),
      optimizer: sgd({ lr: 1e-9 }),
      epochs: 10,
      earlyStopping: { patience: 1, minDelta: 1 },
    });
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.stopReason).toBe(`early stopping after epoch 2/10`);
    expect(stopped.epochs.map((e) => e.epoch)).toEqual([0, 1]);
  });

  it('shows the requested metrics on the progress line', () => {
    let text = '';
    fit(small(), data(), {
      loss: mseLoss(),
      optimizer: adam(),
      metrics: ['mae'],
      progress: { writer: { write: (t: string) => (text += t) } },
    });
    expect(text).toMatch(/epoch 1\/1 .* loss \d\.\d{4} {2}mae \d\.\d{4}/);
  });

  it('fitAsync yields within its time budget: no pause longer than the budget plus one batch', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = () => {
      const t = performance.now();
      gaps.push(t - last);
      last = t;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const batchTimes: number[] = [];
    let t0 = performance.now();
    await fitAsync(small({ hiddenSize: 16 }), data(), {
      loss: mseLoss(),
      optimizer: adam(),
      epochs: 200,
      batchSize: 2,
      yieldEveryMs: 20,
      onBatch: () => {
        const t = performance.now();
        batchTimes.push(t - t0);
        t0 = t;
      },
    });
    running = false;
    const slowest = Math.max(...batchTimes);
    // It yields, but by time, not after every batch (800 batches of well under 20 ms).
    expect(gaps.length).toBeGreaterThan(2);
    expect(gaps.length).toBeLessThan(batchTimes.length / 4);
    expect(Math.max(...gaps)).toBeLessThan(20 + 2 * slowest + 30);
  });

  it('sync fit checks the signal between batches', () => {
    const controller = new AbortController();
    let batches = 0;
    const h = fit(small(), data(), {
      loss: mseLoss(),
      optimizer: adam(),
      epochs: 3,
      batchSize: 2,
      signal: controller.signal,
      onBatch: () => {
        if (++batches === 3) controller.abort();
      },
    });
    expect(batches).toBe(3);
    expect(h.aborted).toBe(true);
    expect(h.stopReason).toBe('aborted by signal before epoch 1/3 batch 4/4');
  });
});
