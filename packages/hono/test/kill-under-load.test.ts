import { join } from 'node:path';
import { describeKillUnderLoad } from '@fastmmap/adapter-test-suite';

describeKillUnderLoad('hono', join(import.meta.dirname, 'fixtures', 'kill-load-app.mjs'));
