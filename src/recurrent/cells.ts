import { describe } from '../tensor/errors.js';
import type { CellSpec } from './direction.js';
import { rnnCell } from './cells/rnn.js';
import { lstmCell } from './cells/lstm.js';
import { gruCell } from './cells/gru.js';

/** The name of a registered cell: the built-in `'rnn'`, `'lstm'` and `'gru'`, or a cell registered with the library's cell registry. */
export type CellType = 'rnn' | 'lstm' | 'gru' | (string & {});

const registry = new Map<string, CellSpec>();

/**
 * Adds a cell type that models can then name as `cell`. The spec gives its gates, whether it
 * has a cell state, its gate order and its time loops (see {@link CellSpec}).
 * @throws TypeError for a name already registered or a spec whose facts disagree.
 */
export function registerCell<E>(spec: CellSpec<E>): void {
  const { name, gates, gateOrder } = spec;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`a cell's name is ${describe(name)}, expected a non-empty string`);
  if (registry.has(name)) throw new TypeError(`a cell named '${name}' is already registered`);
  if (!Number.isInteger(gates) || gates < 1)
    throw new TypeError(`cell '${name}' has ${describe(gates)} gates, expected an integer >= 1`);
  if (!Array.isArray(gateOrder) || gateOrder.length !== gates)
    throw new TypeError(`cell '${name}' names ${describe(gateOrder)} as gates, expected ${gates}`);
  registry.set(name, spec as CellSpec);
}

/** The registered cell `name`. @throws TypeError naming the registered cells. */
export function cellSpec(name: unknown): CellSpec {
  const spec = typeof name === 'string' ? registry.get(name) : undefined;
  if (spec === undefined) {
    const names = [...registry.keys()].map((n) => `'${n}'`).join(', ');
    throw new TypeError(`cell is ${describe(name)}, expected one of ${names}`);
  }
  return spec;
}

// The built-in cells: one line each.
registerCell(rnnCell);
registerCell(lstmCell);
registerCell(gruCell);

/** The registered cells with a fact, quoted (`'lstm'`), for messages about options that need it. */
export function cellsWith(fact: (spec: CellSpec) => boolean): string {
  const names = [...registry.values()].filter(fact).map((c) => `'${c.name}'`);
  return names.length === 1 ? `the ${names[0]} cell` : `the cells ${names.join(', ')}`;
}
