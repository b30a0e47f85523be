import { fileURLToPath } from 'node:url';
import { describeLoginExample } from '../../test-support/login-example-suite.js';

describeLoginExample('examples/express', fileURLToPath(new URL('../server.js', import.meta.url)));
