import { fileURLToPath } from 'node:url';
import { describeClusterMode, visitCounterPage } from '../../test-support/cluster-mode-suite.js';

describeClusterMode(
  'examples/hono',
  fileURLToPath(new URL('../dist/main.js', import.meta.url)),
  visitCounterPage,
);
