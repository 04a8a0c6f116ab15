import { closeSync, openSync, readSync } from 'node:fs';
import type { BundleEntry } from '@medplum/fhirtypes';

/** Bytes read at a time: big enough that most entries lie inside one chunk and are never copied. */
const CHUNK_BYTES = 1 << 20;
/** How far into an entry its `fullUrl` is looked for (it comes first in the FHIR distribution). */
const HEAD_BYTES = 1024;
const FULL_URL = /"fullUrl"\s*:\s*"([^"\\]*)"/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Yields the entries of a Bundle JSON file that `wanted` picks by their fullUrl (undefined when an entry
 * has none near its start: such an entry is always parsed, so nothing is skipped by mistake).
 *
 * Why not `JSON.parse` the file: the R4 resource definitions are 34 MB of JSON, and parsing them
 * whole holds well over 100 MB at once for a moment, which stays the process's peak resident size
 * for the rest of its life. Here the file is read in chunks, entries are found by counting brackets
 * outside strings, and only the wanted ones are parsed.
 */
export function* readBundleEntries(
  file: string,
  wanted: (fullUrl: string | undefined) => boolean,
  chunkBytes = CHUNK_BYTES,
): Generator<BundleEntry> {
  const found: string[] = [];
  const scanner = new EntryScanner((text) => found.push(text), wanted);
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      scanner.scan(chunk.subarray(0, read));
      // Parsed one at a time, so that the caller can let go of each before the next is built.
      for (let text = found.shift(); text !== undefined; text = found.shift()) yield JSON.parse(text) as BundleEntry;
    }
  } finally {
    closeSync(fd);
  }
}

/** Finds the objects of the Bundle's top-level arrays (its entries) in a stream of chunks. */
class EntryScanner {
  private readonly open: number[] = [];
  private inString = false;
  private escaped = false;
  /** The current entry's bytes from earlier chunks; undefined outside an entry or once it is known to be unwanted. */
  private pending: Buffer[] | undefined;
  private insideEntry = false;

  constructor(
    private readonly onEntry: (text: string) => void,
    private readonly wanted: (fullUrl: string | undefined) => boolean,
  ) {}

  scan(chunk: Buffer): void {
    let entryStart = this.pending ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        if (byte === OPEN_OBJECT && this.open.length === 2 && this.open[1] === OPEN_ARRAY) {
          this.insideEntry = true;
          this.pending = [];
          entryStart = i;
        }
        this.open.push(byte);
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        this.open.pop();
        if (this.insideEntry && this.open.length === 2) {
          if (this.pending) this.finish(this.pending, chunk.subarray(entryStart, i + 1));
          this.insideEntry = false;
          this.pending = undefined;
          entryStart = -1;
        }
      }
    }
    if (this.pending && entryStart >= 0) this.carry(chunk.subarray(entryStart));
  }

  /** An entry runs on into the next chunk: keep its bytes so far, unless its head already rules it out. */
  private carry(part: Buffer): void {
    const pending = this.pending!;
    const head = pending.length ? Buffer.concat([...pending, part]) : part;
    if (head.length >= HEAD_BYTES && !this.wanted(fullUrlOf(head))) this.pending = undefined;
    else this.pending = [Buffer.from(head)]; // a copy: the chunk is reused for the next read
  }

  private finish(pending: Buffer[], last: Buffer): void {
    const entry = pending.length ? Buffer.concat([...pending, last]) : last; // most lie in one chunk: no copy
    if (this.wanted(fullUrlOf(entry))) this.onEntry(entry.toString('utf8'));
  }
}

function fullUrlOf(entry: Buffer): string | undefined {
  return FULL_URL.exec(entry.toString('utf8', 0, Math.min(entry.length, HEAD_BYTES)))?.[1];
}
