import { fileURLToPath } from 'node:url';
import { describeShutdown } from '../../test-support/shutdown-suite.js';

describeShutdown('examples/koa', fileURLToPath(new URL('../server.js', import.meta.url)));
