import { Rng, mixSeeds } from '../tensor/rng.js';
import { checkPositive } from '../tensor/errors.js';
import type { Model } from '../model/model.js';
import { dropoutModeOf } from '../model/dropout-mode.js';
import { orUndo, undoPoint, undoQuietly } from './undo.js';
import { MID_STEP, stepInHalves, type StepResult } from './step.js';
import { setMidStep } from '../model/busy.js';
import { ChunkLoop, prepareBatch } from './prepared.js';
import type { EpochSums, FitState } from './fit-state.js';
import { stopReason } from './guard.js';
import { MetricSums } from './metrics.js';
import { inTrainingMode, meanLoss } from './evaluate.js';
import { range, type Dataset } from './dataset.js';
import { prepareRun, type Run } from './fit-run.js';
import type { EpochInfo, FitOptions, FitHistory } from './fit-types.js';

export type { Dataset } from './dataset.js';
export type { BatchInfo, EpochInfo, FitOptions, FitHistory } from './fit-types.js';
export type { FitState, EpochSums } from './fit-state.js';
export { evaluate } from './evaluation.js';
export type { Evaluation, EvaluateOptions } from './evaluation.js';

/**
 * Trains `model` on `data` with mini-batch BPTT. Everything is validated before the first step.
 * Runs synchronously (checking `signal` between batches); see {@link fitAsync} for a form that
 * keeps a page responsive. When it throws (also from a callback, loss or optimizer of the
 * caller's), the weights, the optimizer state, the schedule and the dropout generator are put
 * back as they were before the call.
 * @example
 * ```ts
 * import { Model, Tensor, adam, fit, mseLoss } from 'rnnkit';
 * const inputs = Tensor.from([[[0], [1], [2]], [[1], [2], [3]]]);
 * const targets = Tensor.from([[[1], [2], [3]], [[2], [3], [4]]]);
 * const model = new Model({ cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 1 });
 * const history = fit(model, { inputs, targets }, { loss: mseLoss(), optimizer: adam({ lr: 0.02 }), epochs: 20 });
 * console.log(history.epochs[0].loss, '->', history.epochs.at(-1)?.loss); // the loss falls
 * ```
 * @category Training
 */
export function fit(model: Model, data: Dataset, options: FitOptions): FitHistory {
  return orUndo(undoPoint(model, options?.optimizer, options?.schedule), () => {
    const loop = inTrainingMode(model, trainingLoop(prepareRun(model, data, options)));
    let r = loop.next();
    while (!r.done) r = loop.next();
    return r.value;
  });
}

/**
 * {@link fit}, yielding to the event loop so that the main thread never pauses for longer than
 * `yieldEveryMs` (default 50 ms) or half a batch, whichever is longer: it yields once after
 * checking the data, then before any half of a batch (its forward pass, or its backward pass and
 * update) that would end past the budget. While it waits between the two halves, the model's own
 * `forward` and `backward` throw (`predict` and streams still run).
 * @example
 * ```ts
 * import { Model, adam, fitAsync, mseLoss } from 'rnnkit';
 * const model = new Model({ cell: 'gru', inputSize: 1, hiddenSize: 8, outputSize: 1 });
 * const data = { inputs: [[[0], [1]], [[1], [0]]], targets: [[[1], [0]], [[0], [1]]] };
 * const controller = new AbortController();
 * const history = await fitAsync(model, data, {
 *   loss: mseLoss(), optimizer: adam(), epochs: 5, signal: controller.signal,
 *   onEpoch: (e) => console.log(`epoch ${e.epoch}: ${e.loss.toFixed(4)}`),
 * });
 * console.log(history.aborted); // false: it ran every epoch
 * ```
 * @category Training
 */
export async function fitAsync(
  model: Model,
  data: Dataset,
  options: FitOptions,
): Promise<FitHistory> {
  const budget = checkPositive('yieldEveryMs', options?.yieldEveryMs ?? 50, true);
  const undo = undoPoint(model, options?.optimizer, options?.schedule);
  try {
    const loop = inTrainingMode(model, trainingLoop(prepareRun(model, data, options)));
    // The checks and copies of the setup are one pause; then a batch runs only while it is
    // expected (from the last one) to end within the budget, so a pause is at most the budget
    // or one batch, whichever is longer.
    await yieldToEventLoop();
    let since = now();
    let last = 0;
    let mid = false;
    for (;;) {
      if (now() - since + last > budget) {
        // Between a batch's forward and backward pass the page must not run the model's own.
        setMidStep(model, mid);
        try {
          await yieldToEventLoop();
        } finally {
          setMidStep(model, false);
        }
        since = now();
      }
      const start = now();
      const r = loop.next();
      if (r.done) return r.value;
      mid = r.value === MID_STEP;
      // The longest recent step, decaying, so a short step (an epoch's end) is not taken for a batch.
      last = Math.max(now() - start, 0.9 * last);
    }
  } catch (e) {
    undoQuietly(undo);
    throw e;
  }
}

/** Where the training loop pauses: after a batch (or an epoch's end), or in mid-step. */
type Pause = typeof MID_STEP | undefined;

function* trainingLoop(run: Run): Generator<Pause, FitHistory, void> {
  const history: FitHistory = {
    epochs: [],
    aborted: false,
    stoppedEarly: false,
    bestEpoch: null,
    stopReason: 'completed',
    state: run.start,
  };
  let state = run.start;
  while (state.epoch < run.epochs) {
    const end = yield* runEpoch(run, state, history);
    state = end.state;
    if (end.stop !== null) {
      history.stopReason = end.stop;
      break;
    }
    yield; // the end of an epoch (metrics, callbacks, validation) is a step of its own
  }
  return finish(run, history, state);
}

/** Restores the best weights when asked to and records where the run stands. */
function finish(run: Run, history: FitHistory, state: FitState): FitHistory {
  // An aborted run leaves the weights as they are.
  const restore = !history.aborted && run.control.restoresBest;
  const before = restore ? run.model.stateDict() : null;
  history.bestEpoch = run.control.finish(restore);
  run.progress?.end();
  const mode = dropoutModeOf(run.model);
  history.state = {
    ...state,
    ...run.control.stateDict(),
    dropout: mode?.generator ?? null,
    weights: before,
  };
  return history;
}

/** One epoch from the batch `state` says; returns the state after it and why to stop, if so. */
function* runEpoch(
  run: Run,
  state: FitState,
  history: FitHistory,
): Generator<Pause, { state: FitState; stop: string | null }, void> {
  const { table, batchSize, epochs } = run;
  const epoch = state.epoch;
  const order = range(0, table.N);
  if (run.shuffle) new Rng(mixSeeds(state.seed, epoch)).shuffle(order);
  const sums: EpochSums = state.partial ?? { sum: 0, counted: 0, skippedSteps: 0, maxGradNorm: 0 };
  const metricSums = new MetricSums(run.metrics);
  let skippedRun = state.skippedRun;
  let update = state.batch * (run.tbptt === null ? 1 : chunksPer(run));
  for (let batch = state.batch; batch < run.batchesPerEpoch; batch++) {
    const here = { ...state, batch, skippedRun, partial: { ...sums } };
    if (run.signal?.aborted) {
      history.aborted = true;
      return { state: here, stop: `aborted by signal before ${place(run, epoch, batch)}` };
    }
    const rows = order.slice(batch * batchSize, (batch + 1) * batchSize);
    const chunks = new ChunkLoop(
      prepareBatch(run.model, table.batch(rows), run.options.loss),
      run.tbptt,
    );
    for (let i = 0; i < chunks.count; i++) {
      const b = chunks.chunk(i);
      const r = yield* stepInHalves(run.model, b, run.step);
      chunks.carry(r);
      if (run.metrics.length > 0) metricSums.add(r.output, b.target, b.mask);
      count(sums, r);
      report(run, epoch, update, r);
      if (!r.empty) skippedRun = r.skipped ? skippedRun + 1 : 0;
      const why = stopReason(
        r.empty ? null : r.skipReason,
        skippedRun,
        run.maxSkipped,
        run.step.policy,
      );
      if (why !== null) {
        const next = { ...state, batch: batch + 1, skippedRun, partial: { ...sums } };
        return { state: next, stop: `stopped in ${place(run, epoch, batch)}: ${why}` };
      }
      update++;
      yield;
    }
  }
  const info = epochInfo(run, epoch, sums, metricSums);
  history.epochs.push(info);
  run.progress?.epoch(info);
  run.options.onEpoch?.(info);
  const next = { ...state, epoch: epoch + 1, batch: 0, skippedRun, partial: null };
  if (run.control.afterEpoch(epoch, info.valLoss ?? info.loss, epoch === epochs - 1)) {
    history.stoppedEarly = true;
    return { state: next, stop: `early stopping after epoch ${epoch + 1}/${epochs}` };
  }
  return { state: next, stop: null };
}

function chunksPer(run: Run): number {
  const steps = prepareBatch(run.model, run.table.batch([0]), run.options.loss).input.shape[1];
  return Math.ceil(steps / (run.tbptt as number));
}

/** `epoch e/E batch b/B`, counted from 1. */
function place(run: Run, epoch: number, batch: number): string {
  return `epoch ${epoch + 1}/${run.epochs} batch ${batch + 1}/${run.batchesPerEpoch}`;
}

function count(sums: EpochSums, r: StepResult): void {
  if (r.skipped) sums.skippedSteps++;
  else {
    sums.sum += r.loss;
    sums.counted++;
  }
  if (r.gradNorm > sums.maxGradNorm && Number.isFinite(r.gradNorm)) sums.maxGradNorm = r.gradNorm;
}

function report(run: Run, epoch: number, batch: number, r: StepResult): void {
  run.progress?.batch({ epoch, batch, loss: r.loss });
  run.options.onBatch?.({ epoch, batch, loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped });
}

function epochInfo(run: Run, epoch: number, sums: EpochSums, metricSums: MetricSums): EpochInfo {
  const { validation, model, options, batchSize, tbptt } = run;
  const valSums = new MetricSums(run.metrics);
  const valLoss =
    validation === null
      ? null
      : meanLoss(model, validation, options.loss, batchSize, valSums, tbptt);
  return {
    epoch,
    loss: sums.counted > 0 ? sums.sum / sums.counted : NaN,
    valLoss,
    skippedSteps: sums.skippedSteps,
    maxGradNorm: sums.maxGradNorm,
    lr: options.optimizer.lr,
    metrics: metricSums.result(),
    valMetrics: validation === null ? null : valSums.result(),
  };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
