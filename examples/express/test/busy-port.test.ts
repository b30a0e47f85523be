import { fileURLToPath } from 'node:url';
import { describeBusyPort } from '../../test-support/busy-port-suite.js';

describeBusyPort('examples/express', fileURLToPath(new URL('../server.js', import.meta.url)));
