/** Fuzzing the wire protocols on every test run (short-run.ts): TVS, CAPF, SCCP, SIP, TFTP. */
import { replays, shortRuns } from './short-run.ts';
import { PROTOCOL_TARGETS } from './targets-protocols.ts';

shortRuns(PROTOCOL_TARGETS);
replays(PROTOCOL_TARGETS);
