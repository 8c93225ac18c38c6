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
  attributes: Map<string, string>;
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
  let failure: unknown = null;

  const refuse = (message: string) => new SeedFileError(message, { line: parser.line });

  parser.on('doctype', () => {
    throw refuse(
      `The XML file declares a DOCTYPE (line ${parser.line}). Seed files do not need one, and tokendesk refuses them ` +
        'because DTDs are how XML entity attacks work. Ask the vendor for the file without it.',
    );
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^(utf-?8|us-ascii)$/i.test(decl.encoding)) {
      options.warnings?.push({ message: `The file says it is ${decl.encoding}; tokendesk reads it as UTF-8.` });
    }
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (open.length >= options.maxDepth) {
      throw refuse(`The XML is nested deeper than ${options.maxDepth} elements (line ${parser.line}): not a seed file tokendesk can read.`);
    }
    const attributes = new Map<string, string>();
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
      attributes.set(attribute.uri ? `{${attribute.uri}}${attribute.local}` : attribute.local, attribute.value);
    }
    const element: XmlElement = { uri: tag.uri, local: tag.local, attributes, children: [], text: '', line: parser.line };
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
    throw refuse(`The file is not well-formed XML: ${error.message}`);
  });

  try {
    for await (const text of readText(source, { ...options, kind: 'XML' })) parser.write(text);
    parser.close();
  } catch (error) {
    failure = error;
  }
  if (failure !== null) {
    if (failure instanceof SeedFileError) throw failure;
    throw new SeedFileError(`The file is not well-formed XML: ${(failure as Error).message}`);
  }
}
