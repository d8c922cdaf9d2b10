// What every parser receives: the file's bytes, its text, and names for messages.

export interface ParserSource {
  /** The raw bytes (binary AIGER reads these). */
  bytes: Uint8Array;
  /** The bytes decoded as UTF-8 (text formats read this). */
  text: string;
  /** File name used in error locations, if any. */
  file?: string;
  /** Circuit name (the file's base name without extension, by default). */
  name: string;
}

export function sourceFromText(text: string, file?: string, name?: string): ParserSource {
  const src: ParserSource = { bytes: new TextEncoder().encode(text), text, name: name ?? baseName(file) };
  if (file !== undefined) src.file = file;
  return src;
}

export function sourceFromBytes(bytes: Uint8Array, file?: string, name?: string): ParserSource {
  const src: ParserSource = { bytes, text: new TextDecoder('utf-8').decode(bytes), name: name ?? baseName(file) };
  if (file !== undefined) src.file = file;
  return src;
}

export function baseName(file?: string): string {
  if (!file) return 'circuit';
  const b = file.split(/[\\/]/).pop() ?? file;
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(0, dot) : b;
}
