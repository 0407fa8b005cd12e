/**
 * MySQL's partial JSON updates (`binlog_row_value_options=PARTIAL_JSON`): an UPDATE through JSON_SET,
 * JSON_REPLACE or JSON_REMOVE logs only the changed paths. They are applied here to the before image's JSON text,
 * which gives the text a SELECT of the new value gives: members in MySQL's stored order (by key length, then
 * bytes), scalars as MySQL prints them.
 */
import { ByteReader } from './byte-reader.js';
import { mysqlJsonString } from '../../mysql/json-text.js';
import { binaryJsonText } from './json-binary.js';

type JsonNode =
  | { readonly kind: 'object'; members: [string, JsonNode][] }
  | { readonly kind: 'array'; items: JsonNode[] }
  | { readonly kind: 'scalar'; readonly text: string };

const operation = { replace: 0, insert: 1, remove: 2 } as const;

/** Parses JSON text, keeping each scalar's text as written. */
function parseJson(text: string): JsonNode {
  let offset = 0;
  const skipSpace = (): void => {
    while (offset < text.length && ' \t\n\r'.includes(text.charAt(offset))) offset += 1;
  };
  const readString = (): string => {
    const start = offset;
    offset += 1;
    while (offset < text.length && text.charAt(offset) !== '"')
      offset += text.charAt(offset) === '\\' ? 2 : 1;
    offset += 1;
    return JSON.parse(text.slice(start, offset)) as string;
  };
  const readValue = (): JsonNode => {
    skipSpace();
    const head = text.charAt(offset);
    if (head === '{' || head === '[') {
      offset += 1;
      const members: [string, JsonNode][] = [];
      const items: JsonNode[] = [];
      skipSpace();
      const close = head === '{' ? '}' : ']';
      while (text.charAt(offset) !== close) {
        if (head === '{') {
          skipSpace();
          const key = readString();
          skipSpace();
          offset += 1;
          members.push([key, readValue()]);
        } else {
          items.push(readValue());
        }
        skipSpace();
        if (text.charAt(offset) === ',') offset += 1;
        skipSpace();
        if (offset >= text.length) throw new Error('unterminated JSON container');
      }
      offset += 1;
      return head === '{' ? { kind: 'object', members } : { kind: 'array', items };
    }
    const start = offset;
    if (head === '"') {
      readString();
    } else {
      while (offset < text.length && !',]} \t\n\r'.includes(text.charAt(offset))) offset += 1;
    }
    return { kind: 'scalar', text: text.slice(start, offset) };
  };
  const value = readValue();
  skipSpace();
  if (offset !== text.length) throw new Error(`trailing text after JSON at offset ${offset}`);
  return value;
}

function printJson(node: JsonNode): string {
  if (node.kind === 'scalar') return node.text;
  if (node.kind === 'array') return `[${node.items.map(printJson).join(', ')}]`;
  return `{${node.members.map(([key, value]) => `${mysqlJsonString(key)}: ${printJson(value)}`).join(', ')}}`;
}

type PathLeg = { readonly key: string } | { readonly index: number };

function parsePath(path: string): PathLeg[] {
  if (!path.startsWith('$')) throw new Error(`a partial JSON update has the path ${path}`);
  const legs: PathLeg[] = [];
  let offset = 1;
  while (offset < path.length) {
    const head = path.charAt(offset);
    if (head === '[') {
      const close = path.indexOf(']', offset);
      legs.push({ index: Number(path.slice(offset + 1, close)) });
      offset = close + 1;
    } else if (head === '.' && path.charAt(offset + 1) === '"') {
      let end = offset + 2;
      while (path.charAt(end) !== '"') end += path.charAt(end) === '\\' ? 2 : 1;
      legs.push({ key: JSON.parse(path.slice(offset + 1, end + 1)) as string });
      offset = end + 1;
    } else if (head === '.') {
      const match = /^[^.[]+/.exec(path.slice(offset + 1));
      const key = match?.[0] ?? '';
      legs.push({ key });
      offset += 1 + key.length;
    } else {
      throw new Error(`cannot read the JSON path ${path}`);
    }
  }
  return legs;
}

/** MySQL stores an object's members sorted by key length, then by key bytes. */
function memberOrder(left: string, right: string): number {
  const leftBytes = Buffer.from(left, 'utf8');
  const rightBytes = Buffer.from(right, 'utf8');
  return leftBytes.length - rightBytes.length || Buffer.compare(leftBytes, rightBytes);
}

function applyOne(root: JsonNode, legs: readonly PathLeg[], kind: number, value: JsonNode | null): JsonNode {
  if (legs.length === 0) {
    if (value === null) throw new Error('a partial JSON update removes the whole document');
    return value;
  }
  let parent = root;
  for (const leg of legs.slice(0, -1)) {
    const child =
      'key' in leg
        ? parent.kind === 'object'
          ? parent.members.find(([key]) => key === leg.key)?.[1]
          : undefined
        : parent.kind === 'array'
          ? parent.items[leg.index]
          : undefined;
    if (child === undefined) throw new Error('a partial JSON update names a path the document does not have');
    parent = child;
  }
  const last = legs[legs.length - 1] as PathLeg;
  if ('key' in last && parent.kind === 'object') {
    const at = parent.members.findIndex(([key]) => key === last.key);
    if (kind === operation.remove) {
      if (at >= 0) parent.members.splice(at, 1);
    } else if (at >= 0) {
      parent.members[at] = [last.key, value as JsonNode];
    } else {
      parent.members.push([last.key, value as JsonNode]);
      parent.members.sort(([left], [right]) => memberOrder(left, right));
    }
  } else if ('index' in last && parent.kind === 'array') {
    if (kind === operation.remove) parent.items.splice(last.index, 1);
    else if (kind === operation.insert)
      parent.items.splice(Math.min(last.index, parent.items.length), 0, value as JsonNode);
    else parent.items[last.index] = value as JsonNode;
  } else {
    throw new Error('a partial JSON update names a path the document does not have');
  }
  return root;
}

/** The JSON text after applying the diffs of one partial update to `beforeText`. */
export function applyJsonDiffs(beforeText: string, diffs: Buffer): string {
  let root = parseJson(beforeText);
  const reader = new ByteReader(diffs);
  while (reader.remaining > 0) {
    const kind = reader.uint8('a JSON diff operation');
    const path = reader.view(reader.packedInteger('a JSON path length'), 'a JSON path').toString('utf8');
    let value: JsonNode | null = null;
    if (kind !== operation.remove) {
      value = parseJson(
        binaryJsonText(reader.view(reader.packedInteger('a JSON diff value length'), 'a JSON diff value')),
      );
    }
    if (kind !== operation.replace && kind !== operation.insert && kind !== operation.remove) {
      throw new Error(`unknown JSON diff operation ${kind}`);
    }
    root = applyOne(root, parsePath(path), kind, value);
  }
  return printJson(root);
}
