import fc from 'fast-check';

// Property tests draw the same inputs in every run, CI's included, so a failure there can be
// replayed. FASTMMAP_TEST_SEED=<n> runs another seed; FASTMMAP_TEST_SEED=random a fresh one
// (fast-check prints the seed of a failing run). The reliability tests read the same variable.
const given = process.env.FASTMMAP_TEST_SEED;
if (given !== 'random') fc.configureGlobal({ seed: given ? Number(given) | 0 : 20261127 });
