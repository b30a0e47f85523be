import { MemoryStore, type SessionData } from '@fastmmap/session-core';
import { describeStoreConformance, type StoreFactoryContext } from '../src/index.js';

const maxSize = 64 * 1024;
// Typed with the (declaration-merged) SessionData, as an app's own store would be.
const create = ({ clock }: StoreFactoryContext) => new MemoryStore<SessionData>({ clock, maxSize });
describeStoreConformance('MemoryStore', create, {
  maxSize,
  richTypes: true,
  sync: true,
});
