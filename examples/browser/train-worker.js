// The worker: trains whatever model the page sends, with the loss and optimizer made here
// (functions cannot be sent between threads). `settings` is the page's `settings` option.
import { adam, crossEntropyLoss, serveTraining } from '../../dist/index.js';

serveTraining(self, (settings) => ({
  loss: crossEntropyLoss(),
  optimizer: adam({ lr: settings.lr }),
  clip: { maxNorm: 1 },
  epochs: settings.epochs,
  batchSize: settings.batchSize,
  seed: settings.seed,
}));
