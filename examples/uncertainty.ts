/**
 * Forecasting with uncertainty: a recurrent model trained with the Gaussian negative
 * log-likelihood predicts, at every step, the mean and the variance of the next value of a
 * noisy sine wave. The noise is loud in some stretches and quiet in others (a known "volatility"
 * covariate says which), so a good forecaster widens its band where the noise is loud.
 *
 *   npm run example:uncertainty
 *
 * Prints one held-out forecast with its 90 % band, writes it as SVG to
 * examples/output/uncertainty.svg, and reports the share of held-out points inside the band;
 * exits with code 1 when that share is outside [0.85, 0.95].
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Model, Rng, Tensor, adam, fit, gaussianNllLoss } from 'rnnkit';

const STEPS = 50;
const Z90 = 1.6448536269514722; // the standard normal's 95th percentile: mean ± Z90·σ holds 90 %

/**
 * Sequences of a sine wave observed with noise of standard deviation 0.05 + 0.3·v_t, where the
 * volatility v_t in [0, 1] drifts slowly. Input at step t: the observation y_t and the coming
 * step's volatility v_{t+1}; target: y_{t+1}.
 */
function makeData(count: number, rng: Rng): { inputs: Tensor; targets: Tensor } {
  const inputs = new Tensor([count, STEPS, 2]);
  const targets = new Tensor([count, STEPS, 1]);
  for (let n = 0; n < count; n++) {
    const freq = rng.uniform(0.15, 0.35);
    const phase = rng.uniform(0, 2 * Math.PI);
    const volFreq = rng.uniform(0.03, 0.1);
    const volPhase = rng.uniform(0, 2 * Math.PI);
    const vol = (t: number): number => 0.5 + 0.5 * Math.sin(volFreq * t + volPhase);
    const observe = (t: number): number =>
      Math.sin(freq * t + phase) + (0.05 + 0.3 * vol(t)) * rng.normal();
    let y = observe(0);
    for (let t = 0; t < STEPS; t++) {
      const next = observe(t + 1);
      inputs.data[(n * STEPS + t) * 2] = y;
      inputs.data[(n * STEPS + t) * 2 + 1] = vol(t + 1);
      targets.data[n * STEPS + t] = next;
      y = next;
    }
  }
  return { inputs, targets };
}

const rng = new Rng(2026);
const train = makeData(384, rng);
const heldOut = makeData(128, rng);
const model = new Model({ cell: 'lstm', inputSize: 2, hiddenSize: 24, outputSize: 2, seed: 3 });
const loss = gaussianNllLoss(); // output 0: the mean, output 1: the log-variance

console.log(`Training an LSTM (${model.parameterCount} parameters) with the Gaussian NLL`);
fit(model, train, {
  loss,
  optimizer: adam({ lr: 0.01 }),
  clip: { maxNorm: 1 },
  epochs: 25,
  batchSize: 32,
  seed: 1,
  validation: heldOut,
  onEpoch: (e) => {
    if (e.epoch % 5 === 4 || e.epoch === 0) {
      console.log(
        `epoch ${String(e.epoch + 1).padStart(2)}  train NLL ${e.loss.toFixed(4)}  ` +
          `held-out NLL ${(e.valLoss ?? NaN).toFixed(4)}`,
      );
    }
  },
});

const pred = model.predict(heldOut.inputs);
const band = (n: number, t: number): { mean: number; low: number; high: number } => {
  const mean = pred.get(n, t, 0);
  const sd = Math.sqrt(Math.exp(pred.get(n, t, 1)));
  return { mean, low: mean - Z90 * sd, high: mean + Z90 * sd };
};

let inside = 0;
for (let n = 0; n < heldOut.targets.shape[0]; n++) {
  for (let t = 0; t < STEPS; t++) {
    const { low, high } = band(n, t);
    const y = heldOut.targets.get(n, t, 0);
    if (y >= low && y <= high) inside++;
  }
}
const coverage = inside / heldOut.targets.size;

console.log('\nA held-out sequence, the last steps: forecast of the next value with its 90 % band');
console.log('  step   volatility   mean     band low   band high   truth');
for (let t = STEPS - 12; t < STEPS; t++) {
  const { mean, low, high } = band(0, t);
  const row = [heldOut.inputs.get(0, t, 1), mean, low, high, heldOut.targets.get(0, t, 0)];
  console.log(
    `  ${String(t + 1).padStart(4)}  ${row.map((v) => v.toFixed(3).padStart(9)).join('  ')}`,
  );
}

const file = fileURLToPath(new URL('./output/uncertainty.svg', import.meta.url));
mkdirSync(fileURLToPath(new URL('./output/', import.meta.url)), { recursive: true });
writeFileSync(file, svg(0));
console.log(`\nwrote ${file}`);

console.log(
  `held-out points inside the 90 % band: ${inside} of ${heldOut.targets.size} = ${coverage.toFixed(3)}`,
);
if (!(coverage >= 0.85 && coverage <= 0.95)) {
  console.error(`coverage ${coverage.toFixed(3)} is outside [0.85, 0.95]`);
  process.exitCode = 1;
}

/** One held-out sequence as an SVG chart: the band, the forecast mean and the observed values. */
function svg(n: number): string {
  const W = 720;
  const H = 300;
  const pad = 30;
  const x = (t: number): number => pad + (t / (STEPS - 1)) * (W - 2 * pad);
  const y = (v: number): number => H / 2 - (v / 1.8) * (H / 2 - pad);
  const rows = Array.from({ length: STEPS }, (_, t) => ({
    ...band(n, t),
    truth: heldOut.targets.get(n, t, 0),
  }));
  const upper = rows.map((r, t) => `${x(t).toFixed(1)},${y(r.high).toFixed(1)}`);
  const lower = rows.map((r, t) => `${x(t).toFixed(1)},${y(r.low).toFixed(1)}`).reverse();
  const mean = rows.map((r, t) => `${x(t).toFixed(1)},${y(r.mean).toFixed(1)}`).join(' ');
  const dots = rows
    .map((r, t) => {
      const out = r.truth < r.low || r.truth > r.high;
      return `<circle cx="${x(t).toFixed(1)}" cy="${y(r.truth).toFixed(1)}" r="3" fill="${out ? '#d62728' : '#222'}"/>`;
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
  <rect width="${W}" height="${H}" fill="white"/>
  <text x="${pad}" y="18" font-family="sans-serif" font-size="13">Forecast of the next value with its 90 % band (held-out sequence; red: outside the band)</text>
  <line x1="${pad}" y1="${y(0)}" x2="${W - pad}" y2="${y(0)}" stroke="#ccc"/>
  <polygon points="${[...upper, ...lower].join(' ')}" fill="#1f77b4" fill-opacity="0.2" stroke="none"/>
  <polyline points="${mean}" fill="none" stroke="#1f77b4" stroke-width="2"/>
  ${dots}
</svg>
`;
}
