// The page's data, each part gzip-compressed and base64-encoded inside a non-executed <script>
// element; the page inflates them with the browser's built-in DecompressionStream, so nothing
// is fetched. The parts are the trace JSON of `gatecot trace --json`, cut into
//   gatecot-head      every field but `steps`;
//   gatecot-steps-K   the steps in blocks of STEP_BLOCK, each tagged with its first step and the
//                     range of wires whose CoT groups it covers;
// and gatecot-layout, the diagram's coordinates. The trace of a 4k-gate circuit is ~30 MB of
// JSON (compressed about 20×); in blocks, the page opens after reading the head and one block,
// and reads the others as the student reaches them.

import { gunzipSync, gzipSync } from 'node:zlib';
import type { TraceData, TraceStep } from '../../runtime/trace.js';

export const PAYLOAD_TYPE = 'application/gzip+base64';
export const STEP_BLOCK = 256;

export function encodePayload(json: string): string {
  // level 6: a quarter of level 9's time on a 30 MB trace, for 8% more bytes
  return gzipSync(Buffer.from(json, 'utf8'), { level: 6 }).toString('base64');
}

function decodePayload(base64: string): string {
  return gunzipSync(Buffer.from(base64, 'base64')).toString('utf8');
}

function scriptTag(id: string, json: string, attrs = ''): string {
  return `<script type="${PAYLOAD_TYPE}" id="${id}"${attrs}>${encodePayload(json)}</script>`;
}

/** The data elements of a page: the trace's head, its step blocks, the layout. */
export function payloadElements(trace: TraceData, layoutJson: string): string {
  const { steps, ...head } = trace;
  const tags = [scriptTag('gatecot-head', JSON.stringify(head))];
  for (let k = 0, from = 0; from < steps.length; k++, from += STEP_BLOCK) {
    const block: TraceStep[] = steps.slice(from, from + STEP_BLOCK);
    const wires = `${block[0]!.wire}-${block[block.length - 1]!.wire}`;
    tags.push(scriptTag(`gatecot-steps-${k}`, JSON.stringify(block), ` data-from="${from}" data-count="${block.length}" data-wires="${wires}"`));
  }
  tags.push(scriptTag('gatecot-layout', layoutJson));
  return tags.join('\n');
}

/** The JSON text of data element `id` of a generated page. */
export function payloadOfPage(html: string, id: string): string {
  const open = new RegExp(`<script type="[^"]*" id="${id}"[^>]*>`).exec(html);
  if (!open) throw new Error(`no data element #${id} in the page`);
  const start = open.index + open[0].length;
  return decodePayload(html.slice(start, html.indexOf('</script>', start)));
}

/** The trace embedded in a page, put back together (tests compare it with `trace --json`). */
export function traceOfPage(html: string): TraceData {
  const head = JSON.parse(payloadOfPage(html, 'gatecot-head')) as Omit<TraceData, 'steps'>;
  const steps: TraceStep[] = [];
  for (let k = 0; html.includes(`id="gatecot-steps-${k}"`); k++) steps.push(...(JSON.parse(payloadOfPage(html, `gatecot-steps-${k}`)) as TraceStep[]));
  return { ...head, steps };
}

/** The diagram layout embedded in a page. */
export function layoutOfPage(html: string): unknown {
  return JSON.parse(payloadOfPage(html, 'gatecot-layout'));
}
