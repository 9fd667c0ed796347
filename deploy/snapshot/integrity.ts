/**
 * The integrity check of an etcd snapshot file: etcd's Maintenance.Snapshot
 * stream ends with the SHA-256 of the database bytes before it (etcd
 * v3rpc/maintenance.go), and `etcdctl snapshot restore` checks that hash
 * when the file size is 32 more than a multiple of 512 (etcd
 * clientv3/snapshot/v3_snapshot.go). Checking it ourselves gives a clear
 * message before anything is moved.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Bytes of the appended digest. */
const DIGEST_BYTES = 32;

/** Feeds chunks of a snapshot stream and tells whether its last 32 bytes are the SHA-256 of everything before them. */
export class SnapshotHasher {
  private readonly hash: Hash = createHash('sha256');
  private tail: Buffer = Buffer.alloc(0);
  /** Bytes fed so far. */
  size = 0;

  /** Adds the next chunk. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    const joined = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const cut = Math.max(0, joined.length - DIGEST_BYTES);
    if (cut > 0) this.hash.update(joined.subarray(0, cut));
    this.tail = Buffer.from(joined.subarray(cut));
  }

  /** True when the stream ended with the digest of the bytes before it. Call once, after the last chunk. */
  matches(): boolean {
    return this.size > DIGEST_BYTES && this.tail.length === DIGEST_BYTES && this.hash.digest().equals(this.tail);
  }
}

/**
 * Reads `path` and resolves true when it is a snapshot with a valid
 * appended SHA-256 (a file saved from the Snapshot API or by etcdctl), false
 * when it has none or a wrong one (truncated, corrupted, or a bare db file).
 * Rejects with the fs error when the file cannot be read.
 */
export async function snapshotFileIntact(path: string): Promise<boolean> {
  const h = new SnapshotHasher();
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return (h.size - DIGEST_BYTES) % 512 === 0 && h.matches();
}
