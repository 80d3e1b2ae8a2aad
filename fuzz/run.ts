// `npm run fuzz`: the runner lives in test/fuzz/cli.ts (type-checked and linted with the tests).
import '../test/fuzz/cli.ts';
