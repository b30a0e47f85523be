import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import Koa2 from 'koa2';
import { startConformanceApp } from './helpers/conformance-app.js';

describeAdapterConformance('koa 3', (options) => startConformanceApp(options));
describeAdapterConformance('koa 2', (options) => startConformanceApp(options, Koa2));
// The promise path of load and commit, which stores without Store.sync (Redis) take.
describeAdapterConformance('koa 3', (options) => startConformanceApp(options), {
  store: 'fastmmap-async',
});
