import { fileURLToPath } from 'node:url';
import { describeClusterMode, visitCountApi } from '../../test-support/cluster-mode-suite.js';

describeClusterMode(
  'examples/koa',
  fileURLToPath(new URL('../server.js', import.meta.url)),
  visitCountApi,
);
