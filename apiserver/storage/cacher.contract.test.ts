import { storageContract } from './contract.test-suite.ts';
import { MemoryStorage } from './memory.ts';
import { Cacher } from './cacher.ts';

// The watch cache is a drop-in Storage: the same contract as the storages it decorates.
storageContract('cacher over memory', async () => {
  const inner = new MemoryStorage();
  const storage = new Cacher(inner);
  return { storage, close: async () => { await storage.stop(); inner.close(); } };
});
