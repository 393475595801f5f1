// parse.mjs reads a JSON array of mermaid diagrams on stdin, parses each with
// mermaid's own parser, and prints a JSON array with, for each diagram, its
// type and the states it declares with their descriptions (character
// entities decoded), or the parser's error.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';

// mermaid sanitizes with DOMPurify, which needs a window.
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

// mermaid keeps #NN; entities as ﬂ°°NN¶ß until it renders.
const decode = (s) => s.replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCodePoint(Number(n)));

const out = [];
for (const text of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  try {
    await mermaid.parse(text);
    const d = await mermaid.mermaidAPI.getDiagramFromText(text);
    const states = {};
    for (const [id, s] of d.db.getStates()) states[id] = (s.descriptions ?? []).map(decode);
    out.push({ type: d.type, states });
  } catch (e) {
    out.push({ error: String(e.message ?? e) });
  }
}
console.log(JSON.stringify(out));
