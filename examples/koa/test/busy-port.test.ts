import { fileURLToPath } from 'node:url';
import { describeBusyPort } from '../../test-support/busy-port-suite.js';

describeBusyPort('examples/koa', fileURLToPath(new URL('../server.js', import.meta.url)));
