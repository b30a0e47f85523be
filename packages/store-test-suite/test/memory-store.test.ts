import { MemoryStore } from '@fastmmap/session-core';
import { describeStoreConformance } from '../src/index.js';

const maxSize = 64 * 1024;
describeStoreConformance('MemoryStore', ({ clock }) => new MemoryStore({ clock, maxSize }), {
  maxSize,
  richTypes: true,
  sync: true,
});
