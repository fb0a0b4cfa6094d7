// TLS for the device side: MQTT over TLS (mqtts) and MQTT over WSS, from PEM files.
// The same certificate serves the HTTP port as HTTPS/WSS (app/http-server.ts).
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { TlsError } from './errors.js';

/** A certificate and its key, read once at start-up. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Read and check a PEM certificate (chain) and key; throws TlsError naming the file at fault. */
export function loadTlsFiles(certPath: string, keyPath: string): TlsFiles {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new TlsError(`tls.${what} ${path}: cannot read: ${(err as Error).message}`);
    }
  };
  const files = { cert: read(certPath, 'cert'), key: read(keyPath, 'key') };
  try {
    // Fails now, with a message, on a malformed PEM or a key that is not the certificate's.
    createSecureContext(files);
  } catch (err) {
    throw new TlsError(`tls.cert ${certPath} / tls.key ${keyPath}: ${(err as Error).message}`);
  }
  return files;
}
