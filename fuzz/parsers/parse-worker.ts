// The parser fuzzer's worker thread: examines each file it is sent (examine.ts) and answers.
// Running parses here lets the campaign time out a hang and survive a crash (runner.ts).

import { parentPort } from 'node:worker_threads';
import type { FormatName } from '../../circuits/index.js';
import { examineParse } from './examine.js';

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  format: FormatName;
  file: string;
}

const port = parentPort;
if (port) {
  port.on('message', (m: ParseRequest) => {
    port.postMessage({ id: m.id, outcome: examineParse(m.bytes, m.format, m.file) });
  });
}
