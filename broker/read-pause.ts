// Stop reading one aedes client at a packet boundary while its publishes are held, and go on
// where it stopped. aedes (lib/client.js) parses a whole socket read at once and reads the next
// once every packet of it has called back (nextBatch, counted in _parsingBatch); but each
// 'readable' event also calls nextBatch, as if a packet had called back. So a held client would
// still be read, and every packet of every read parsed. Here its parser stops before the next
// packet, the bytes after it wait in the parser, and its socket is not read until they are parsed:
// TCP then holds the rest in the sender's buffers, which is what slows the device down.
import type { Client } from 'aedes';

const NO_BYTES = Buffer.alloc(0);

// The parts of mqtt-packet's parser and of aedes' client that the pause hooks.
interface PacketParser {
  _parseHeader(): boolean;
  parse(buf: Buffer): number;
}
interface ClientInternals {
  _parser?: PacketParser;
  _parsingBatch: number;
  _nextBatch?: () => void;
  conn: NodeJS.EventEmitter;
}

/** The reading of one client, stoppable at packet boundaries. */
export interface ReadPause {
  /** Parse on from where the parser stopped (the socket may have nothing new to say). */
  resume(): void;
}

/** Make `client` stop parsing before its next packet while `held()`, and read its socket again only once what it read is parsed. */
export function pauseReadingWhile(client: Client, held: () => boolean): ReadPause | undefined {
  const c = client as unknown as ClientInternals;
  const parser = c._parser;
  const nextBatch = c._nextBatch;
  if (parser === undefined || typeof parser._parseHeader !== 'function' || typeof nextBatch !== 'function') return undefined;
  /** Stopped with bytes left: they count as one packet not yet called back, so nextBatch reads no further. */
  let stopped = false;
  let stoppedThisParse = false;
  const parseHeader = parser._parseHeader;
  parser._parseHeader = function (this: PacketParser) {
    if (!held()) return parseHeader.call(this);
    stoppedThisParse = true;
    if (!stopped) {
      stopped = true;
      c._parsingBatch++;
    }
    return false; // ends mqtt-packet's parse loop; the bytes stay in its buffer list
  };
  const parse = parser.parse;
  parser.parse = function (this: PacketParser, buf: Buffer) {
    stoppedThisParse = false;
    const left = parse.call(this, buf);
    // Everything read is parsed (or the rest is a packet still arriving): reading may go on.
    if (stopped && !stoppedThisParse) {
      stopped = false;
      nextBatch();
    }
    return left;
  };
  // aedes' 'readable' listener is nextBatch itself; while stopped an event must not count as a callback.
  c.conn.removeListener('readable', nextBatch);
  c.conn.on('readable', () => {
    if (!stopped) nextBatch();
  });
  return {
    resume() {
      if (stopped) parser.parse(NO_BYTES);
    },
  };
}
