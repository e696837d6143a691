import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Download, FileStorage, UploadTarget } from './storage.ts';

/** A PUT went past the size its ticket declared: it was cut off and nothing kept. */
export class TooLarge extends Error {
  override name = 'TooLarge';
}

/** The header a local upload's PUT proves its ticket with. */
export const UPLOAD_TOKEN_HEADER = 'x-upload-token';

/** The path our own server takes an upload's bytes on (FILE_STORAGE=local). */
export const localUploadPath = (id: string) => `/files/uploads/${id}`;

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Files in a folder of this machine (FILES_DIR): the zero-setup default. */
export class LocalStorage implements FileStorage {
  readonly kind = 'local';
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async start() {
    await mkdir(join(this.dir, 'partial'), { recursive: true });
  }

  /** Keys are UUIDs and fixed suffixes (see `objectKey`): never a path a client chose. */
  private path(key: string) {
    return join(this.dir, key);
  }

  uploadTarget(id: string, contentType: string, token: string): Promise<UploadTarget> {
    return Promise.resolve({
      url: localUploadPath(id),
      headers: [
        { name: 'Content-Type', value: contentType },
        { name: UPLOAD_TOKEN_HEADER, value: token },
      ],
    });
  }

  /**
   * Streams a PUT's body to the object, never holding it whole: past `maxBytes` the stream is
   * cut off with `TooLarge`, and the partial file is removed whatever went wrong.
   */
  async receive(key: string, body: Readable, maxBytes: number): Promise<number> {
    const partial = join(this.dir, 'partial', key);
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(received > maxBytes ? new TooLarge() : null, chunk);
      },
    });
    // Piped rather than a pipeline from `body`: on TooLarge the request must stay open for the
    // 413 answer, and a pipeline would destroy it (and its socket). A client that stops half-way
    // ends the write with an error all the same.
    body.pipe(limit);
    finished(body).catch((error: unknown) => limit.destroy(error as Error));
    try {
      await pipeline(limit, createWriteStream(partial));
      await rename(partial, this.path(key));
      return received;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.path(key))).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async readStart(key: string, bytes: number): Promise<Buffer> {
    const file = await open(this.path(key));
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await file.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  stream(key: string): Promise<Readable> {
    return Promise.resolve(createReadStream(this.path(key)));
  }

  async write(key: string, body: Buffer): Promise<void> {
    const partial = join(this.dir, 'partial', key);
    await writeFile(partial, body);
    await rename(partial, this.path(key));
  }

  async remove(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }

  async download(key: string): Promise<Download | null> {
    const size = await this.size(key);
    if (size === null) return null;
    const path = this.path(key);
    return { kind: 'stream', size, open: (range) => createReadStream(path, range) };
  }
}
