/** The parts of http_ece (Encrypted Content-Encoding, RFC 8188/8291) the push tests use. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  interface DecryptParams {
    version: 'aes128gcm';
    privateKey: ECDH;
    authSecret: string | Buffer;
  }
  const ece: { decrypt(content: Buffer, params: DecryptParams): Buffer };
  export default ece;
}
