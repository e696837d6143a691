import type { Config } from '../../app/config.ts';
import { LocalStorage } from './local-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { FileStorage } from './storage.ts';

/** The store FILE_STORAGE names, ready to use, and how to release it. */
export async function openFileStorage(config: Config): Promise<{ storage: FileStorage; close: () => void }> {
  if (config.FILE_STORAGE === 's3') {
    const storage = new S3Storage(config);
    return { storage, close: () => storage.close() };
  }
  const storage = new LocalStorage(config.FILES_DIR);
  await storage.start();
  return { storage, close: () => {} };
}
