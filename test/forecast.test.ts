import { describe, expect, it } from 'vitest';
import {
  Forecaster,
  Model,
  Scaler,
  adam,
  fit,
  forecast,
  forecastError,
  mseLoss,
  seasonalNaive,
  slidingWindows,
} from '../src/index.js';

const sine = (n: number, from = 0) =>
  Array.from({ length: n }, (_, t) => 10 + 5 * Math.sin((2 * Math.PI * (t + from)) / 12));

describe('slidingWindows', () => {
  it('cuts windows and the next horizon steps with a stride, for several features', () => {
    const series = [
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
      [6, 60],
    ];
    const d = slidingWindows(series, { input: 2, horizon: 2, stride: 2 });
    expect(d.inputs.shape).toEqual([2, 2, 2]);
    expect(d.inputs.toArray()).toEqual([
      [
        [1, 10],
        [2, 20],
      ],
      [
        [3, 30],
        [4, 40],
      ],
    ]);
    expect(d.targets.toArray()).toEqual([
      [3, 30, 4, 40],
      [5, 50, 6, 60],
    ]);
  });

  it('names a series too short for one window', () => {
    expect(() => slidingWindows([1, 2, 3], { input: 3 })).toThrow(/at least 4 steps/);
    expect(() => slidingWindows([1, Number.NaN, 3, 4], { input: 2 })).toThrow(/step 1 is NaN/);
  });
});

describe('Scaler', () => {
  it('standardises by the training statistics and inverts exactly', () => {
    const s = Scaler.fit([2, 4, 6, 8]);
    const z = s.transform([2, 4, 6, 8]) as number[];
    expect(z.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(Math.sqrt(z.reduce((a, b) => a + b * b, 0) / 4)).toBeCloseTo(1, 12);
    expect(s.inverse(s.transform([100]))).toEqual([100]);
  });

  it('maps min-max onto [0, 1] per feature and round-trips through JSON', () => {
    const s = Scaler.fit(
      [
        [0, 10],
        [4, 30],
      ],
      'minmax',
    );
    expect(s.transform([[2, 20]])).toEqual([[0.5, 0.5]]);
    const again = Scaler.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(again.transform([[2, 20]])).toEqual([[0.5, 0.5]]);
    expect(() => Scaler.fromJSON({ kind: 'minmax', offset: [0], scale: [0] })).toThrow(RangeError);
    expect(() => s.transform([1, 2])).toThrow(/1 features per step, the scaler was fitted on 2/);
  });
});

describe('forecast', () => {
  it('beats seasonal-naive on a noisy seasonal series after training, de-scaled', () => {
    const noise = (t: number) => 0.2 * Math.sin(t * 12.9898) * Math.cos(t * 4.1414);
    const series = sine(240).map((v, t) => v + noise(t) + t * 0.05);
    const train = series.slice(0, 200);
    const scaler = Scaler.fit(train);
    const data = slidingWindows(scaler.transform(train), { input: 12 });
    const model = new Model({
      cell: 'gru',
      inputSize: 1,
      hiddenSize: 16,
      outputSize: 1,
      head: 'last',
      seed: 1,
    });
    fit(model, data, {
      loss: mseLoss(),
      optimizer: adam({ lr: 0.02 }),
      epochs: 60,
      batchSize: 16,
      seed: 1,
    });
    let model1 = 0;
    let naive1 = 0;
    for (let t = 200; t < 240; t++) {
      const history = series.slice(0, t);
      model1 += Math.abs(
        (forecast(model, history, 1, { scaler, window: 12 }) as number[])[0] - series[t],
      );
      naive1 += Math.abs((seasonalNaive(history, 1, 12) as number[])[0] - series[t]);
    }
    expect(model1).toBeLessThan(naive1);
  });

  it('forecasts directly k steps per call when the head gives k steps', () => {
    const model = new Model({
      cell: 'rnn',
      inputSize: 1,
      hiddenSize: 3,
      outputSize: 3,
      head: 'last',
    });
    const calls: number[] = [];
    const predict = model.predict.bind(model);
    model.predict = (x, o) => {
      calls.push(1);
      return predict(x, o);
    };
    expect((forecast(model, [1, 2, 3], 7) as number[]).length).toBe(7);
    expect(calls.length).toBe(3);
    const twoIn = new Model({ cell: 'rnn', inputSize: 2, hiddenSize: 3, outputSize: 3 });
    expect(() => forecast(twoIn, [[1, 2]], 1)).toThrow(/multiple of its inputSize 2/);
  });

  it('keeps the scaler and window inside the model file', () => {
    const model = new Model({
      cell: 'lstm',
      inputSize: 1,
      hiddenSize: 4,
      outputSize: 1,
      head: 'last',
      seed: 2,
    });
    const f = new Forecaster(model, { scaler: Scaler.fit([100, 200, 300]), window: 2 });
    const bytes = f.toSafetensors();
    const again = Forecaster.fromSafetensors(bytes);
    expect(again.window).toBe(2);
    expect(again.scaler?.toJSON()).toEqual(f.scaler?.toJSON());
    expect(again.forecast([100, 250, 300], 3)).toEqual(f.forecast([100, 250, 300], 3));
    expect(Model.fromSafetensors(bytes).parameterCount).toBe(model.parameterCount);
    expect(() => Forecaster.fromSafetensors(model.toSafetensors())).toThrow(/forecaster/);
    const twoFeatures = Scaler.fit([[1, 2]]);
    expect(() => new Forecaster(model, { scaler: twoFeatures })).toThrow(
      /scaler was fitted on 2 features, the model takes 1/,
    );
    const json = Forecaster.fromJSON(JSON.parse(JSON.stringify(f)));
    expect(json.forecast([1, 2, 3], 2)).toEqual(f.forecast([1, 2, 3], 2));
  });
});

describe('seasonalNaive and forecastError', () => {
  it('repeats the last season and scores a forecast', () => {
    expect(seasonalNaive([1, 2, 3, 4], 5, 2)).toEqual([3, 4, 3, 4, 3]);
    expect(forecastError([1, 2, 3], [2, 2, 1])).toEqual({ mae: 1, rmse: Math.sqrt(5 / 3) });
    expect(() => forecastError([1, 2], [1])).toThrow(RangeError);
  });
});
