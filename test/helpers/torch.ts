import { spawnSync } from 'node:child_process';

/** The Python the torch tests run (RNNKIT_PYTHON overrides /usr/bin/python3). */
export const PYTHON = process.env.RNNKIT_PYTHON ?? '/usr/bin/python3';

// Looks for the package without importing it (an import takes seconds).
const FIND_TORCH =
  'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)';

/** True when PYTHON can import torch. */
export const hasTorch = spawnSync(PYTHON, ['-c', FIND_TORCH], { stdio: 'ignore' }).status === 0;

/**
 * Registers `suite` where torch imports or under RNNKIT_REQUIRE_TORCH=1 (CI sets it); else prints
 * one line saying how to run it.
 */
export function withTorch(what: string, suite: () => void): void {
  if (hasTorch || process.env.RNNKIT_REQUIRE_TORCH === '1') suite();
  else
    console.log(
      `${what} not registered: ${PYTHON} cannot import torch (apt-get install python3-torch, or RNNKIT_PYTHON=<python with torch>; RNNKIT_REQUIRE_TORCH=1 makes this an error)`,
    );
}
