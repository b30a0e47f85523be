import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import Koa2 from 'koa2';
import { startConformanceApp } from './helpers/conformance-app.js';

describeAdapterConformance('koa 3', (options) => startConformanceApp(options));
describeAdapterConformance('koa 2', (options) => startConformanceApp(options, Koa2));
