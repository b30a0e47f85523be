import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import express5 from 'express';
import express4 from 'express4';
import { startConformanceApp } from './helpers/conformance-app.js';

describeAdapterConformance('express 5', (options) => startConformanceApp(express5, options));
describeAdapterConformance('express 4', (options) => startConformanceApp(express4, options));
// The promise path of load and commit, which stores without Store.sync (Redis) take.
describeAdapterConformance('express 5', (options) => startConformanceApp(express5, options), {
  store: 'fastmmap-async',
});
