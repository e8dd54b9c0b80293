/**
 * A training replica in a worker thread: it runs forward and backward passes on its chunk of
 * each batch. Jobs arrive on a message port and are read synchronously after the main thread
 * bumps a shared counter, so both sides can block with Atomics instead of awaiting.
 */
import {
  parentPort,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';
import { Model } from '../model/model.js';
import { setBackend, type BackendChoice } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import {
  DONE_SEQ,
  JOB_SEQ,
  type BackwardReply,
  type ForwardReply,
  type Job,
  type Reply,
  type WireTensor,
} from './protocol.js';

interface Init {
  model: unknown;
  backend: BackendChoice;
  control: SharedArrayBuffer;
  jobs: MessagePort;
  replies: MessagePort;
}

const { model: json, backend, control, jobs, replies } = workerData as Init;
setBackend(backend);
const model = Model.fromJSON(json);
const ctrl = new Int32Array(control);
const tensor = (w: WireTensor): Tensor => new Tensor(w.shape, w.data);
const wire = (t: Tensor | null): WireTensor | null =>
  t === null ? null : { shape: t.shape, data: t.data };

function run(job: Job): ForwardReply | BackwardReply {
  if (job.kind === 'forward') {
    model.params.values.set(job.weights);
    const r = model.forward(tensor(job.input), {
      ...(job.lengths ? { lengths: job.lengths } : {}),
      ...(job.h0 ? { h0: tensor(job.h0) } : {}),
      ...(job.c0 ? { c0: tensor(job.c0) } : {}),
      ...(job.context ? { context: tensor(job.context) } : {}),
    });
    return { output: wire(r.output) as WireTensor, h: wire(r.h) as WireTensor, c: wire(r.c) };
  }
  if (job.kind !== 'backward') throw new Error(`unknown job ${job.kind}`);
  model.zeroGrad();
  const r = model.backward(tensor(job.gradOutput), {
    ...(job.gradH ? { gradH: tensor(job.gradH) } : {}),
    ...(job.gradC ? { gradC: tensor(job.gradC) } : {}),
    inputGrad: job.inputGrad,
  });
  return {
    grads: model.params.grads,
    input: wire(r.input),
    h0: wire(r.h0),
    c0: wire(r.c0),
    context: wire(r.context),
  };
}

parentPort?.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, JOB_SEQ, seen);
  seen = Atomics.load(ctrl, JOB_SEQ);
  let received = receiveMessageOnPort(jobs);
  while (received === undefined) {
    Atomics.wait(ctrl, JOB_SEQ, seen, 1);
    received = receiveMessageOnPort(jobs);
  }
  const job = received.message as Job;
  if (job.kind === 'close') break;
  let reply: Reply;
  try {
    reply = { ok: true, value: run(job) };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  replies.postMessage(reply);
  Atomics.store(ctrl, DONE_SEQ, seen);
  Atomics.notify(ctrl, DONE_SEQ);
}
