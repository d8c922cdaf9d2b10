// How wide the page's attention strips are. Up to HTML_FULL_STRIP_MAX positions a strip
// covers every position a head can see (the student sees the whole softmax); beyond, the
// trace keeps ±32 positions around each target (the rest is summed in `elsewhere`), which
// keeps a 16k-position trace to ~30 MB of JSON (~2 MB compressed in the page).

export const HTML_FULL_STRIP_MAX = 600;
const DEFAULT_WINDOW = 32;

export function htmlWindow(seqLen: number): number {
  return seqLen <= HTML_FULL_STRIP_MAX ? seqLen : DEFAULT_WINDOW;
}
