import { startEtcd } from '../../testutil/etcd.ts';
import { storageContract } from './contract.test-suite.ts';
import { createEtcdClient } from './etcd-client.ts';
import { EtcdStorage } from './etcd.ts';

storageContract('etcd', async () => {
  const etcd = await startEtcd();
  const client = createEtcdClient({ hosts: etcd.endpoint });
  // A small page size, so every list in the contract crosses page boundaries.
  const storage = new EtcdStorage(client, { pageSize: 2 });
  return {
    storage,
    close: async () => {
      client.close();
      await etcd.stop();
    },
  };
});
