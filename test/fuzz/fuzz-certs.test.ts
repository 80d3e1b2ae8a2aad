/** Fuzzing the file formats of certs/ on every test run (short-run.ts): CTL/ITL, .sgn, configs, PEM/DER. */
import { replays, shortRuns } from './short-run.ts';
import { CERTS_TARGETS } from './targets-certs.ts';

shortRuns(CERTS_TARGETS);
replays(CERTS_TARGETS);
