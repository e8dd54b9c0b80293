/**
 * PyTorch's BLAS: Debian's python3-torch is built with BLAS_INFO=generic and runs on whatever
 * libblas.so.3 is installed, the reference (netlib) BLAS unless an optimized one is. The bench
 * makes sure Debian's OpenBLAS (libopenblas0-pthread) is there, and each PyTorch row checks the
 * BLAS it runs on (torch_worker.py).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE = 'libopenblas0-pthread';
/**
 * OpenBLAS settings that pick another kernel or cache size than the machine's own; PyTorch's
 * rows run without them, so that OpenBLAS picks the kernel for this CPU.
 */
export const OPENBLAS_OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/**
 * The environment of a PyTorch row: the workload sizes, OPENBLAS_NUM_THREADS set to the row's
 * thread count, OMP_WAIT_POLICY=PASSIVE unless set, and the OpenBLAS overrides removed (in this
 * environment only).
 */
export function torchEnv(threads: number, sizes: Record<string, number>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    // OpenMP threads that spin while they wait for a descheduled peer made PyTorch's two-thread
    // rows 20-90x slower than its one-thread rows on a loaded 2-core machine; passive waiting
    // is its better setting there (unless the caller chose a policy).
    OMP_WAIT_POLICY: 'PASSIVE',
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
  };
  for (const k of OPENBLAS_OVERRIDES) delete env[k];
  for (const [k, v] of Object.entries(sizes)) env[k] = String(v);
  return env;
}

function installed(): boolean | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { encoding: 'utf8' });
  if (r.error !== undefined) return undefined; // not a Debian system
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * Makes sure Debian's OpenBLAS is installed (installing it with apt-get when missing and running
 * as root), then returns what PyTorch runs on: its BLAS, the library loaded, OpenBLAS's kernel
 * and a product probe. @throws Error when the package is missing and cannot be installed.
 */
export function ensureOpenBlas(): string {
  const state = installed();
  if (state === false) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `PyTorch needs an optimized BLAS and ${PACKAGE} is not installed: run ` +
          `\`sudo apt-get install -y ${PACKAGE}\`, or leave PyTorch out (--libs=rnnkit,...)`,
      );
    }
    process.stderr.write(`installing ${PACKAGE} (apt-get install -y ${PACKAGE}) ...\n`);
    const r = spawnSync('apt-get', ['install', '-y', PACKAGE], {
      stdio: ['ignore', process.stderr, process.stderr],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) throw new Error(`apt-get install -y ${PACKAGE} failed`);
  }
  const unset = OPENBLAS_OVERRIDES.filter((k) => process.env[k] !== undefined);
  const r = spawnSync('/usr/bin/python3', [path.join(benchDir, 'torch_worker.py'), '--blas'], {
    encoding: 'utf8',
    env: torchEnv(1, {}),
  });
  const text = (r.stdout || r.stderr).trim();
  if (r.status !== 0)
    throw new Error(`PyTorch's BLAS check failed: ${text.split('\n').pop() ?? ''}`);
  const pkg =
    state === undefined ? `${PACKAGE}: no dpkg here, relying on the probe` : `${PACKAGE} installed`;
  const removed = unset.length > 0 ? `; ${unset.join(' and ')} unset for PyTorch` : '';
  return `PyTorch BLAS (${pkg}${removed}): ${text}`;
}
