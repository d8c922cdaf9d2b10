// SHA-256 of text or bytes, hex (circuit and model hashes).

import { createHash } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
