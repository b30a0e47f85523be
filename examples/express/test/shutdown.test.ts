import { fileURLToPath } from 'node:url';
import { describeShutdown } from '../../test-support/shutdown-suite.js';

describeShutdown('examples/express', fileURLToPath(new URL('../server.js', import.meta.url)));
