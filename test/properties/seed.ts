/**
 * Seeds for the property tests. Each run draws a new seed (so runs explore new cases) unless
 * PERIMETER_SEED is set; the seed is printed at the start of every file and in every failure, and
 * `PERIMETER_SEED=<seed> npx tap <file>` replays exactly the same cases.
 */
import type { Test } from 'tap';
import fc from 'fast-check';

export const SEED = process.env.PERIMETER_SEED !== undefined ? Number(process.env.PERIMETER_SEED) : Math.floor(Math.random() * 0x7fffffff);

/** Runs a property `numRuns` times from SEED; a failure names the seed and the counterexample. */
export async function holds<Ts>(t: Test, name: string, property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property as fc.IAsyncProperty<Ts>, { seed: SEED, numRuns, endOnFailure: false });
    t.pass(`${name} (${numRuns} cases, seed ${SEED})`);
  } catch (error) {
    t.fail(`${name}: reproduce with PERIMETER_SEED=${SEED}\n${(error as Error).message}`);
  }
}
