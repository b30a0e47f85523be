import { fileURLToPath } from 'node:url';
import { describeCounterExample } from '../../test-support/counter-example-suite.js';

describeCounterExample(
  'the Fastify example app',
  fileURLToPath(new URL('../dist/main.js', import.meta.url)),
);
