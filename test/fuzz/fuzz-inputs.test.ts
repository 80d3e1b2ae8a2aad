/** Fuzzing HTTP heads, lab declarations and plan files on every test run (short-run.ts). */
import { replays, shortRuns } from './short-run.ts';
import { INPUT_TARGETS } from './targets-inputs.ts';

shortRuns(INPUT_TARGETS);
replays(INPUT_TARGETS);
