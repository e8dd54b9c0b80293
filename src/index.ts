/**
 * rnnkit: recurrent neural networks (RNN, LSTM, GRU) in pure TypeScript, trained by
 * backpropagation through time, with PyTorch-compatible weights. Every public name is here.
 */
import { provideBatchSplit } from './model/threads.js';
import { startDataParallel } from './parallel/data-parallel.js';

// Model.useThreads runs data-parallel passes on worker threads (Node only; loaded on demand).
provideBatchSplit(startDataParallel);

export { Tensor } from './tensor/tensor.js';
export type { NestedArray } from './tensor/tensor.js';
export type { DType, FloatArray } from './tensor/dtype.js';
export { Rng } from './tensor/rng.js';
export { gemm } from './tensor/gemm.js';
export { uniformInit, glorotInit, orthogonalInit } from './tensor/init.js';

export { Model } from './model/model.js';
export type { Stream, StreamState } from './model/stream.js';
export { setWorkerUrl } from './parallel/worker-url.js';
export type { UrlLike } from './parallel/worker-url.js';
export type { StateDictEntry } from './nn/state-dict.js';
export type { Parameter, Parameters } from './nn/parameters.js';
export type { ModelJSON } from './model/json.js';
export { generate, generateText } from './model/generate.js';
export type { GenerateOptions } from './model/generate.js';
export type {
  ForwardOptions,
  ForwardResult,
  BackwardOptions,
  BackwardResult,
} from './model/types.js';
export type {
  EmbeddingOptions,
  ModelOptions,
  ResolvedModelOptions,
  WeightInit,
} from './model/options.js';
export { padSequences } from './nn/validate.js';
export type { SequenceInput } from './nn/validate.js';
export type { CellType } from './recurrent/stack.js';
export type { InitialStateMode } from './recurrent/initial-state.js';

export { defineLoss } from './loss/loss.js';
export type {
  Loss,
  LossOptions,
  LossResult,
  Reduction,
  StepFunction,
  StepLoss,
  StepValues,
} from './loss/loss.js';
export { mseLoss } from './loss/mse.js';
export { crossEntropyLoss } from './loss/cross-entropy.js';
export { bceWithLogitsLoss } from './loss/bce.js';
export { huberLoss } from './loss/huber.js';
export type { HuberOptions } from './loss/huber.js';
export { l1Loss } from './loss/l1.js';
export { gaussianNllLoss } from './loss/gaussian-nll.js';
export type { GaussianNllOptions } from './loss/gaussian-nll.js';

export { sgd } from './optim/sgd.js';
export type { SgdOptions } from './optim/sgd.js';
export { adam, adamw } from './optim/adam.js';
export type { AdamOptions } from './optim/adam.js';
export { rmsprop } from './optim/rmsprop.js';
export type { RmsPropOptions } from './optim/rmsprop.js';
export { adagrad } from './optim/adagrad.js';
export type { AdagradOptions } from './optim/adagrad.js';
export type { Optimizer, OptimizerState } from './optim/optimizer.js';

export { clipGradNorm, clipGradValue, gradNorm } from './clip/clip.js';
export type { NormType } from './clip/clip.js';

export { trainStep } from './train/step.js';
export type { Batch, ClipOptions, StepResult, TrainOptions } from './train/step.js';
export type { NonFinitePolicy } from './train/guard.js';
export { fit, fitAsync, evaluate } from './train/fit.js';
export type {
  BatchInfo,
  Dataset,
  EpochInfo,
  EvaluateOptions,
  Evaluation,
  FitHistory,
  FitOptions,
} from './train/fit.js';
export { trainTruncated } from './train/tbptt.js';
export type { CarriedState, TruncatedOptions, TruncatedResult } from './train/tbptt.js';
export { stepLR, exponentialLR, cosineLR, reduceOnPlateau } from './train/schedule.js';
export type { LrSchedule, PlateauOptions } from './train/schedule.js';
export { EarlyStopping } from './train/early-stopping.js';
export type { EarlyStoppingOptions } from './train/early-stopping.js';
export type { MetricName, Metrics } from './train/metrics.js';

export { Vocabulary } from './text/vocabulary.js';
export type {
  EncodedBatch,
  VocabularyJSON,
  VocabularyLevel,
  VocabularyOptions,
} from './text/vocabulary.js';
export { Sampler, softmax, argmax } from './text/sampling.js';
export type { SamplingOptions } from './text/sampling.js';
export { nextTokenData } from './text/streams.js';
export type { NextTokenData } from './text/streams.js';
export type { ProgressOptions, ProgressWriter } from './train/progress.js';
export type { AbortSignalLike } from './train/signal.js';

export { encodeSafetensors, decodeSafetensors, DEFAULT_MAX_PARAMETERS } from './nn/safetensors.js';
export type { DecodedSafetensors, SafetensorsLimits } from './nn/safetensors.js';
export { saveCheckpoint, loadCheckpoint } from './io/checkpoint.js';
export type { CheckpointProgress, LoadedCheckpoint } from './io/checkpoint.js';
export type { ModelLoadLimits } from './model/limits.js';

export { gradCheck, gradCheckLoss } from './check/grad-check.js';
export type {
  GradCheckEntry,
  GradCheckLossOptions,
  GradCheckOptions,
  GradCheckResult,
} from './check/grad-check.js';
export { gradientFlow } from './check/gradient-flow.js';
export type { GradientFlow, GradientFlowOptions, StepGradients } from './check/gradient-flow.js';

export { trainInWorker } from './background/train-in-worker.js';
export type {
  SnapshotInfo,
  WorkerTraining,
  WorkerTrainingOptions,
} from './background/train-in-worker.js';
export { serveTraining } from './background/serve-training.js';
export type { WorkerFitOptions } from './background/serve-training.js';
export type { MessageEndpoint } from './background/messages.js';

export {
  saveToIndexedDB,
  readFromIndexedDB,
  loadFromIndexedDB,
  downloadModel,
} from './io/browser-storage.js';
export type { IndexedDbOptions, ModelFile } from './io/browser-storage.js';

export { Scaler } from './forecast/scaler.js';
export type { ScalerJSON, ScalerKind } from './forecast/scaler.js';
export type { Series } from './forecast/series.js';
export { slidingWindows } from './forecast/windows.js';
export type { WindowedData, WindowOptions } from './forecast/windows.js';
export { forecast, seasonalNaive, forecastError } from './forecast/forecast.js';
export type { ForecastError, ForecastOptions } from './forecast/forecast.js';
export { Forecaster } from './forecast/forecaster.js';
export type { ForecasterJSON, ForecasterOptions } from './forecast/forecaster.js';

export { predictProba, predictClasses } from './classify/predict.js';
export { confusionMatrix, classificationReport } from './classify/metrics.js';
export type { ClassificationReport } from './classify/metrics.js';

export { getBackend, onBackendNotice, setBackend } from './kernels/backend.js';
export type { Backend, BackendChoice, BackendNotice } from './kernels/backend.js';
