// The page's stylesheet (inlined into the page: the page loads nothing).

export const PAGE_CSS = String.raw`
:root {
  --fg: #1f2933; --muted: #66727f; --line: #d9dee5; --bg: #f7f8fa; --panel: #ffffff;
  --one: #f2b33d; --zero: #5c6f89; --bad: #e03131; --cur: #e03131;
  --head-a: #1971c2; --head-b: #ae3ec9; --accent: #0b7285;
  --head-d: #2f9e44; --head-n: #e8590c; --head-o: #1971c2;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; font-size: 14px; }
header { padding: 10px 16px 4px; }
header h1 { font-size: 18px; margin: 0 0 4px; }
#summary { color: var(--muted); font-size: 13px; }
#summary b { color: var(--fg); font-weight: 600; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 12px; font-weight: 600; margin-left: 6px; }
.badge.ok { background: #d3f9d8; color: #2b8a3e; }
.badge.fail { background: #ffe3e3; color: #c92a2a; }
#controls { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  padding: 6px 16px; background: #eef1f5; border-bottom: 1px solid var(--line); }
#controls button { font: inherit; padding: 3px 10px; border: 1px solid #b9c2cd; border-radius: 5px; background: #fff; cursor: pointer; }
#controls button:hover { background: #f1f3f5; }
#controls button:focus-visible, #controls input:focus-visible, #controls select:focus-visible { outline: 2px solid var(--accent); }
#scrub { flex: 1 1 180px; min-width: 120px; }
#where { font-variant-numeric: tabular-nums; color: var(--muted); min-width: 190px; }
#jump { display: flex; gap: 4px; align-items: center; }
#gate-input { width: 130px; font: inherit; padding: 2px 4px; }
#jump-msg { color: var(--bad); font-size: 12px; }
#line { padding: 10px 16px 6px; }
#text { font-size: 19px; font-weight: 600; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
#text.wrong { color: var(--bad); }
#why { color: var(--muted); margin-top: 3px; max-width: 1100px; }
#verdict { color: var(--bad); font-weight: 600; margin-top: 3px; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 6px 16px 16px; }
/* The diagram takes the full width: circuits are wide (one column per level). */
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; min-width: 0; }
.ptitle { display: flex; align-items: center; gap: 8px; font-weight: 600; margin-bottom: 6px; }
.ptitle .sub { font-weight: 400; color: var(--muted); font-size: 12px; }
.ptitle .tools { margin-left: auto; display: flex; gap: 4px; align-items: center; font-weight: 400; font-size: 12px; }
.ptitle .tools button { font: inherit; padding: 1px 7px; border: 1px solid #b9c2cd; border-radius: 4px; background: #fff; cursor: pointer; }
#p-diagram { grid-column: 1 / span 2; }
#p-heads { grid-column: 1; }
#p-out { grid-column: 2; }
#p-tokens { grid-column: 1 / span 2; }
#p-resid { grid-column: 1 / span 2; }
#diagram { position: relative; height: 560px; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: #fbfcfd; touch-action: none; }
#diagram canvas { position: absolute; inset: 0; width: 100%; height: 100%; cursor: grab; }
#diagram svg { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
#overlay .cur { fill: none; stroke: var(--cur); stroke-width: 4; }
#overlay .in-a { fill: none; stroke: var(--head-a); stroke-width: 3; }
#overlay .in-b { fill: none; stroke: var(--head-b); stroke-width: 3; }
#overlay .wire-a { fill: none; stroke: var(--head-a); stroke-width: 3; }
#overlay .wire-b { fill: none; stroke: var(--head-b); stroke-width: 3; stroke-dasharray: 7 4; }
#dcap { margin-top: 6px; font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; color: var(--muted); font-size: 12px; margin-top: 4px; }
.sw { display: inline-block; width: 12px; height: 12px; border: 1px solid #aab3c0; border-radius: 2px; vertical-align: -2px; margin-right: 3px; }
.ha { color: var(--head-a); font-weight: 600; }
.hb { color: var(--head-b); font-weight: 600; }
#tokens { display: flex; flex-wrap: wrap; gap: 2px; align-items: flex-end; font-family: ui-monospace, Menlo, Consolas, monospace; }
.tok { position: relative; min-width: 30px; padding: 2px 3px 12px; border: 1px solid var(--line); border-radius: 4px; text-align: center; background: #fff; }
.tok .tp { display: block; font-size: 10px; color: var(--muted); }
.tok .tv { display: block; font-size: 14px; }
.tok.prompt { background: #f1f3f5; }
.tok.gstart { margin-left: 7px; }
.tok.query { border-color: #495057; border-style: dashed; }
.tok.cur { border: 2px solid var(--cur); background: #fff5f5; }
.tok.wrong .tv { color: var(--bad); font-weight: 700; }
.tok .m { position: absolute; bottom: 1px; font-size: 9px; font-weight: 700; }
.tok .m.a { left: 3px; color: var(--head-a); }
.tok .m.b { right: 3px; color: var(--head-b); }
.tok.att-a { box-shadow: inset 0 -3px 0 var(--head-a); }
.tok.att-b { box-shadow: inset 0 -3px 0 var(--head-b); }
.tok.att-a.att-b { box-shadow: inset 0 -3px 0 var(--head-a), inset 0 -6px 0 var(--head-b); }
.gap { align-self: center; color: var(--muted); padding: 0 6px; font-size: 12px; }
.head { margin-bottom: 10px; }
.hname { font-weight: 600; }
.hinfo { font-size: 12px; color: var(--muted); margin: 2px 0 4px; }
.hinfo b { color: var(--fg); }
.strip-wrap { position: relative; height: 50px; }
.strip { width: 100%; height: 26px; display: block; border: 1px solid var(--line); image-rendering: pixelated; }
.tmark { position: absolute; top: 27px; transform: translateX(-50%); font-size: 11px; font-weight: 700; white-space: nowrap; }
.tmark::before { content: "\25B2"; display: block; text-align: center; font-size: 8px; line-height: 8px; }
.tmark.right { transform: translateX(calc(-100% + 4px)); }
.tmark.right::before { text-align: right; }
.tmark.left { transform: translateX(-4px); }
.tmark.left::before { text-align: left; }
.saxis { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); }
.scale { display: flex; align-items: center; gap: 6px; font-size: 11px; color: var(--muted); }
.scale canvas { width: 180px; height: 10px; border: 1px solid var(--line); }
table { border-collapse: collapse; font-size: 13px; }
td, th { padding: 2px 8px; border-bottom: 1px solid #eef0f3; text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
td.chg { background: #fff3bf; font-weight: 600; }
td.meaning { color: var(--muted); font-size: 12px; max-width: 300px; }
tr.fired td { background: #e6fcf5; font-weight: 600; }
.logit { display: grid; grid-template-columns: 124px 1fr 56px; gap: 6px; align-items: center; font-size: 12px; margin: 1px 0; }
.logit .lbar { height: 11px; background: #ced4da; border-radius: 2px; }
.logit.chosen .lbar { background: var(--accent); }
.logit.chosen { font-weight: 700; }
.logit.expected .lname::after { content: " (expected)"; color: var(--bad); font-weight: 600; }
.logit .lname { font-family: ui-monospace, Menlo, Consolas, monospace; }
.logit .lval { font-family: ui-monospace, Menlo, Consolas, monospace; text-align: right; }
.note { color: var(--muted); font-size: 12px; margin-top: 4px; }
footer { color: var(--muted); font-size: 12px; padding: 0 16px 16px; }
#status { padding: 40px 16px; font-size: 16px; }
.noscript { margin: 16px; padding: 10px 14px; border: 1px solid var(--bad); border-radius: 6px; background: #fff5f5; }
.ptitle .tools select, .ptitle .tools input[type=number] { font: inherit; padding: 1px 2px; }
.ptitle .tools input[type=number] { width: 44px; }
/* Uniform models: the prompt's descriptions beside the diagram; heads by layer, coloured by role. */
main.uniform #p-diagram { grid-column: 1; }
#p-prompt { grid-column: 2; display: flex; flex-direction: column; }
#p-prompt[hidden] { display: none; }
#fetched { font-size: 13px; margin-bottom: 6px; }
.fline { margin: 3px 0; }
.fcells { display: inline-flex; gap: 2px; vertical-align: middle; font-family: ui-monospace, Menlo, Consolas, monospace; }
.fcells .tok { padding-bottom: 2px; }
.fv { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 700; }
.warn { color: var(--bad); }
#descs { overflow-y: auto; max-height: 480px; border: 1px solid var(--line); border-radius: 6px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.desc { display: grid; grid-template-columns: 76px repeat(4, 56px) 1fr; gap: 2px; padding: 1px 6px; cursor: pointer; border-left: 3px solid transparent; }
.desc:hover { background: #f1f3f5; }
.desc .dpos { color: var(--muted); font-size: 10px; align-self: center; }
.desc .dlabel { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.desc.own { border-left-color: var(--cur); }
.desc.fetched { background: #ebfbee; font-weight: 700; }
.desc.fetched.mismatch { background: #ffe3e3; }
.layer-title { font-size: 12px; font-weight: 600; color: var(--muted); margin: 8px 0 4px; border-bottom: 1px solid var(--line); }
.hd { color: var(--head-d); font-weight: 600; }
.hn { color: var(--head-n); font-weight: 600; }
.ho { color: var(--head-o); font-weight: 600; }
.h0 { color: var(--fg); font-weight: 600; }
.tok .m.d { left: 3px; color: var(--head-d); }
.tok .m.n { left: 50%; transform: translateX(-50%); color: var(--head-n); }
.tok .m.o { right: 3px; color: var(--head-o); }
.tok.att-d { box-shadow: inset 0 -3px 0 var(--head-d); }
.tok.att-n { box-shadow: inset 0 -3px 0 var(--head-n); }
.tok.att-o { box-shadow: inset 0 -3px 0 var(--head-o); }
@media (max-width: 900px) {
  main { grid-template-columns: minmax(0, 1fr); }
  #p-diagram, #p-prompt, #p-heads, #p-out, #p-tokens, #p-resid { grid-column: 1; grid-row: auto; }
  main.uniform #p-diagram { grid-column: 1; }
}
`;
