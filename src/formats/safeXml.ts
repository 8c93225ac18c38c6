/**
 * Reading an untrusted XML seed file with saxes, safely and in bounded memory:
 *
 * - No DTD at all: a DOCTYPE refuses the file. saxes never loads external entities and expands
 *   only the five predefined entities and character references; an entity declared in an internal
 *   subset would be "undefined", so billion-laughs and XXE documents cannot get anywhere.
 * - Caps on file size, nesting depth and the text of one element.
 * - Namespace-aware: elements carry their namespace URI, so any prefix works.
 * - Streamed: the root's children are handed over one complete subtree at a time (one PSKC
 *   KeyPackage), then dropped, so a 10,000-key file never sits in memory as one tree.
 */
import { SaxesParser } from 'saxes';
import type { SaxesTagNS } from 'saxes';
import type { ReadOptions } from './byteSource.js';
import { readText } from './textDecoding.js';
import { SeedFileError } from './types.js';
import type { ByteSource, ParseWarning } from './types.js';

export interface XmlElement {
  uri: string;
  local: string;
  /** Attributes without a namespace by local name; namespaced ones as "{uri}local". */
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), not its children's. */
  text: string;
  /** Line of the start tag. */
  line: number;
}

export interface XmlReadOptions extends ReadOptions {
  maxBytes: number;
  maxDepth: number;
  /** Longest text content of one element, in characters. */
  maxTextChars?: number;
  warnings?: ParseWarning[];
  /** The root's start tag (no children yet); throw to refuse the document. */
  onRoot(root: XmlElement): void;
  /** Each complete child of the root, in document order. */
  onChild(child: XmlElement): void;
}

const DEFAULT_MAX_TEXT_CHARS = 1024 * 1024;
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

export function firstChild(element: XmlElement | undefined, local: string): XmlElement | undefined {
  return element?.children.find((child) => child.local === local);
}

export function childText(element: XmlElement | undefined, local: string): string | undefined {
  const child = firstChild(element, local);
  return child === undefined ? undefined : child.text.trim();
}

export async function readXml(source: ByteSource, options: XmlReadOptions): Promise<void> {
  const maxText = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
  const parser = new SaxesParser({ xmlns: true, position: true });
  // Open elements from the root down; only the root's current child subtree is kept.
  const open: XmlElement[] = [];

  const refuse = (message: string) => new SeedFileError(message, { line: parser.line });

  parser.on('doctype', () => {
    throw refuse(
      `The XML file declares a DOCTYPE (line ${parser.line}). Seed files do not need one, and tokendesk refuses them ` +
        'because DTDs are how XML entity attacks work. Ask the vendor for the file without it.',
    );
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (open.length >= options.maxDepth) {
      throw refuse(`The XML is nested deeper than ${options.maxDepth} elements (line ${parser.line}): not a seed file tokendesk can read.`);
    }
    // Most elements have no attributes: they share one empty map (a 10,000-key file has 200,000 elements).
    let attributes: Map<string, string> | undefined;
    for (const name in tag.attributes) {
      const attribute = tag.attributes[name]!;
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
      (attributes ??= new Map()).set(attribute.uri ? `{${attribute.uri}}${attribute.local}` : attribute.local, attribute.value);
    }
    const element: XmlElement = { uri: tag.uri, local: tag.local, attributes: attributes ?? NO_ATTRIBUTES, children: [], text: '', line: parser.line };
    const parent = open[open.length - 1];
    if (parent === undefined) options.onRoot(element);
    else if (open.length > 1) parent.children.push(element); // below a root child: part of its subtree
    open.push(element);
  });
  const addText = (text: string) => {
    const current = open[open.length - 1];
    if (current === undefined || open.length === 1) return; // text around the root's children is layout
    if (current.text.length + text.length > maxText) {
      throw refuse(`An element's text is longer than ${maxText} characters (line ${parser.line}): not a seed file tokendesk can read.`);
    }
    current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const element = open.pop();
    if (element !== undefined && open.length === 1) options.onChild(element);
  });
  parser.on('error', (error) => {
    throw refuse(`The file is not well-formed XML (${wellFormednessProblem(error.message)}): it may be cut short or edited. Ask the vendor to send it again.`);
  });

  // Refusals are SeedFileErrors; anything else (a bug, an I/O error) is not the file's fault and
  // goes on as it is rather than reading as "not well-formed XML".
  for await (const text of readText(source, { ...options, kind: 'XML' })) parser.write(text);
  checkDeclaration(parser, options.warnings); // before close(), which resets the parser
  parser.close();
}

/**
 * The declared encoding, read from `parser.xmlDecl` rather than from an "xmldecl" handler: each
 * handler saxes's on() sets is a keyed property store on the parser, and a seventh one tipped the
 * parser object into V8's slow dictionary mode, which made every character of a 10,000-key file
 * cost three times as much. Keep the handlers above at six or fewer (the format bench shows it).
 */
function checkDeclaration(parser: SaxesParser, warnings: ParseWarning[] | undefined): void {
  const encoding = parser.xmlDecl.encoding;
  if (encoding && !/^(utf-?8|us-ascii)$/i.test(encoding)) {
    warnings?.push({ message: `The file says it is ${encoding}; tokendesk reads it as UTF-8.` });
  }
}

/**
 * saxes's message without the names it quotes ("3:15: unclosed tag: Foo" -> "line 3, column 15:
 * unclosed tag"): in a damaged file a "tag name" can be a run of a secret's base64.
 */
function wellFormednessProblem(message: string): string {
  const match = /^(?:(\d+):(\d+): )?([^:]*)/.exec(message);
  const what = (match?.[3] ?? '').replace(/\.$/, '').trim() || 'unreadable';
  return match?.[1] === undefined ? what : `line ${match[1]}, column ${match[2]}: ${what}`;
}
