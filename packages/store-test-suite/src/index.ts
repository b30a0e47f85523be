export { createTestClock, type TestClock } from './clock.js';
export { describeStoreConformance, storeChecks } from './describe.js';
export type {
  Check,
  CheckEnv,
  ConformanceOptions,
  CrossProcessOptions,
  StoreFactory,
  StoreFactoryContext,
} from './types.js';
