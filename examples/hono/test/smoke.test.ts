import { fileURLToPath } from 'node:url';
import { describeCounterExample } from '../../test-support/counter-example-suite.js';

describeCounterExample(
  'the Hono example app',
  fileURLToPath(new URL('../dist/main.js', import.meta.url)),
);
