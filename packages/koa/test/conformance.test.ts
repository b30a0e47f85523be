import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import { startConformanceApp } from './helpers/conformance-app.js';

describeAdapterConformance('koa', startConformanceApp);
