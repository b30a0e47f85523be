import { fileURLToPath } from 'node:url';
import { describeBusyPort } from '../../test-support/busy-port-suite.js';

describeBusyPort('examples/fastify', fileURLToPath(new URL('../dist/main.js', import.meta.url)));
