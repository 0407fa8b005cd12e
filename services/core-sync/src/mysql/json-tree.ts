/**
 * A JSON document read as a tree that keeps each number as written (JSON.parse would round it to a double):
 * what json-decimals.ts and json-text.ts need to tell how Oracle MySQL will hold a document's text.
 */
export type JsonNode =
  | { readonly kind: 'object'; readonly members: readonly (readonly [string, JsonNode])[] }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly literal: string }
  | { readonly kind: 'literal'; readonly literal: 'true' | 'false' | 'null' };

/** Reads a JSON document; throws a SyntaxError naming the offset when it is not one. */
export function parseJsonTree(text: string): JsonNode {
  const reader = new TreeReader(text);
  const node = reader.value();
  reader.end();
  return node;
}

const numberPattern = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class TreeReader {
  readonly #text: string;
  #offset = 0;

  constructor(text: string) {
    this.#text = text;
  }

  end(): void {
    this.#skipSpace();
    if (this.#offset !== this.#text.length) this.#fail('the end of the document');
  }

  value(): JsonNode {
    this.#skipSpace();
    const head = this.#text.charCodeAt(this.#offset);
    if (head === 0x7b) return this.#object();
    if (head === 0x5b) return this.#array();
    if (head === 0x22) return { kind: 'string', value: JSON.parse(this.#string()) as string };
    if (head === 0x2d || (head >= 0x30 && head <= 0x39)) {
      numberPattern.lastIndex = this.#offset;
      const match = numberPattern.exec(this.#text);
      if (match === null) return this.#fail('a number');
      this.#offset += match[0].length;
      return { kind: 'number', literal: match[0] };
    }
    for (const literal of ['true', 'false', 'null'] as const) {
      if (this.#text.startsWith(literal, this.#offset)) {
        this.#offset += literal.length;
        return { kind: 'literal', literal };
      }
    }
    return this.#fail('a value');
  }

  #object(): JsonNode {
    this.#offset += 1;
    const members: [string, JsonNode][] = [];
    this.#skipSpace();
    if (this.#text[this.#offset] === '}') {
      this.#offset += 1;
      return { kind: 'object', members };
    }
    for (;;) {
      this.#skipSpace();
      const key = JSON.parse(this.#string()) as string;
      this.#skipSpace();
      this.#expect(':');
      members.push([key, this.value()]);
      this.#skipSpace();
      if (this.#text[this.#offset] !== ',') break;
      this.#offset += 1;
    }
    this.#expect('}');
    return { kind: 'object', members };
  }

  #array(): JsonNode {
    this.#offset += 1;
    const items: JsonNode[] = [];
    this.#skipSpace();
    if (this.#text[this.#offset] === ']') {
      this.#offset += 1;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.#skipSpace();
      if (this.#text[this.#offset] !== ',') break;
      this.#offset += 1;
    }
    this.#expect(']');
    return { kind: 'array', items };
  }

  /** A string literal's text, quotes and escapes included. */
  #string(): string {
    const start = this.#offset;
    this.#expect('"');
    for (;;) {
      const code = this.#text.charCodeAt(this.#offset);
      if (Number.isNaN(code)) this.#fail('the end of a string');
      this.#offset += code === 0x5c ? 2 : 1;
      if (code === 0x22) return this.#text.slice(start, this.#offset);
    }
  }

  #skipSpace(): void {
    for (;;) {
      const code = this.#text.charCodeAt(this.#offset);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.#offset += 1;
    }
  }

  #expect(character: string): void {
    if (this.#text[this.#offset] !== character) this.#fail(`'${character}'`);
    this.#offset += 1;
  }

  #fail(expected: string): never {
    throw new SyntaxError(`not a JSON document: expected ${expected} at offset ${this.#offset}`);
  }
}

/** The members MySQL keeps of an object: the last of duplicate keys, in the order of their last occurrence. */
export function lastMembers(members: readonly (readonly [string, JsonNode])[]): [string, JsonNode][] {
  const byKey = new Map<string, JsonNode>();
  for (const [key, node] of members) {
    byKey.delete(key);
    byKey.set(key, node);
  }
  return [...byKey];
}
