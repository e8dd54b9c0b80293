import { describe } from '../tensor/errors.js';
import type { CellSpec } from './direction.js';
import { rnnCell } from './cells/rnn.js';
import { lstmCell } from './cells/lstm.js';
import { gruCell } from './cells/gru.js';

/**
 * The name of a registered cell: the built-in `'rnn'`, `'lstm'` and `'gru'`, or a cell
 * registered with the library's cell registry.
 * @category Model
 */
export type CellType = 'rnn' | 'lstm' | 'gru' | (string & {});

/** The built-in cells, one entry each; the registry starts from them when first used. */
const BUILT_IN: readonly CellSpec[] = [
  rnnCell as CellSpec, // a cell's own buffers are opaque to the registry
  lstmCell as CellSpec,
  gruCell as CellSpec,
];

let known: Map<string, CellSpec> | null = null;

/** The registered cells by name (built lazily, so importing the library runs nothing). */
function registry(): Map<string, CellSpec> {
  return (known ??= new Map(BUILT_IN.map((c) => [c.name, c])));
}

/**
 * Adds a cell type that models can then name as `cell`. The spec gives its gates, whether it
 * has a cell state, its gate order and its time loops (see {@link CellSpec}).
 * @throws TypeError for a name already registered or a spec whose facts disagree.
 */
export function registerCell<E>(spec: CellSpec<E>): void {
  const { name, gates, gateOrder } = spec;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`a cell's name is ${describe(name)}, expected a non-empty string`);
  if (registry().has(name)) throw new TypeError(`a cell named '${name}' is already registered`);
  if (!Number.isInteger(gates) || gates < 1)
    throw new TypeError(`cell '${name}' has ${describe(gates)} gates, expected an integer >= 1`);
  if (!Array.isArray(gateOrder) || gateOrder.length !== gates)
    throw new TypeError(`cell '${name}' names ${describe(gateOrder)} as gates, expected ${gates}`);
  registry().set(name, spec as CellSpec);
}

/** The registered cell `name`. @throws TypeError naming the registered cells. */
export function cellSpec(name: unknown): CellSpec {
  const spec = typeof name === 'string' ? registry().get(name) : undefined;
  if (spec === undefined) {
    const names = [...registry().keys()].map((n) => `'${n}'`).join(', ');
    throw new TypeError(`cell is ${describe(name)}, expected one of ${names}`);
  }
  return spec;
}

/** The registered cells with a fact, quoted (`'lstm'`), for messages about options that need it. */
export function cellsWith(fact: (spec: CellSpec) => boolean): string {
  const names = [...registry().values()].filter(fact).map((c) => `'${c.name}'`);
  return names.length === 1 ? `the ${names[0]} cell` : `the cells ${names.join(', ')}`;
}
