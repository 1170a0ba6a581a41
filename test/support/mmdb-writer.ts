import { isIP } from 'node:net';

// A tiny writer of MaxMind DB files (format 2.0, https://maxmind.github.io/MaxMind-DB/), just
// enough to build GeoIP fixtures inside a test: an IPv6 search tree with 24-bit records (IPv4
// networks live at ::a.b.c.d/96+n, where readers look them up), a data section without pointers
// or de-duplication, and the metadata map after the `\xAB\xCD\xEFMaxMind.com` marker.
// It is verified by reading its output back with the `maxmind` package (test/geoip.spec.ts).

/** A uint64 value (MaxMind type 9); plain JS numbers are written as uint16, uint32 or double. */
export class MmdbUint64 {
  constructor(readonly value: bigint) {}
}

/** Anything the writer can encode. */
export type MmdbValue = string | number | boolean | MmdbUint64 | MmdbValue[] | { [key: string]: MmdbValue };

/** One network and the record every address in it resolves to. */
export interface MmdbNetwork {
  /** CIDR such as `89.160.20.112/28` or `2001:218::/32`. */
  network: string;
  data: { [key: string]: MmdbValue };
}

/** What to write. */
export interface MmdbSpec {
  /** `database_type` metadata, e.g. `GeoLite2-City`. */
  databaseType: string;
  networks: MmdbNetwork[];
  /** Build time in seconds since the epoch (metadata `build_epoch`). Default 1_700_000_000. */
  buildEpoch?: number;
}

const RECORD_BITS = 24;
const MAX_RECORD = 2 ** RECORD_BITS - 1;
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // \xAB\xCD\xEF + "MaxMind.com"

// Data types (the high 3 bits of a control byte; 8 and above are "extended").
const T = { String: 2, Double: 3, Uint16: 5, Uint32: 6, Map: 7, Uint64: 9, Array: 11, Boolean: 14 } as const;
type TypeCode = (typeof T)[keyof typeof T];

/** Encodes the MaxMind DB file described by `spec`. */
export function writeMmdb(spec: MmdbSpec): Buffer {
  // 1. Data section: each network's record, encoded once, at a known offset.
  const chunks: Buffer[] = [];
  let dataSize = 0;
  const leaves: { bits: number[]; offset: number }[] = [];
  for (const { network, data } of spec.networks) {
    const encoded = encode(data);
    leaves.push({ bits: networkBits(network), offset: dataSize });
    chunks.push(encoded);
    dataSize += encoded.length;
  }

  // 2. Search tree: a binary trie over the 128 address bits. A slot holds a child node, a data
  // offset, or nothing (the "address not found" value).
  type Slot = Node | { data: number } | null;
  interface Node {
    id: number;
    slots: [Slot, Slot];
  }
  const nodes: Node[] = [];
  const newNode = (): Node => {
    const node: Node = { id: nodes.length, slots: [null, null] };
    nodes.push(node);
    return node;
  };
  const root = newNode();
  for (const { bits, offset } of leaves) {
    let node = root;
    for (let depth = 0; depth < bits.length - 1; depth++) {
      const slot = node.slots[bits[depth]];
      if (slot !== null && 'data' in slot) throw new Error(`mmdb-writer: networks overlap at ${bits.length} bits`);
      node = slot ?? (node.slots[bits[depth]] = newNode());
    }
    node.slots[bits[bits.length - 1]] = { data: offset };
  }
  const nodeCount = nodes.length;
  // Record values: < nodeCount is a node, == nodeCount is "no data", and nodeCount + 16 + offset
  // points into the data section (the 16 skips the all-zero separator after the tree).
  const recordValue = (slot: Slot): number => {
    if (slot === null) return nodeCount;
    if ('data' in slot) return nodeCount + 16 + slot.data;
    return slot.id;
  };
  const tree = Buffer.alloc(nodeCount * 6); // 24-bit records: 3 bytes left, 3 bytes right
  for (const node of nodes) {
    for (const side of [0, 1] as const) {
      const value = recordValue(node.slots[side]);
      if (value > MAX_RECORD) throw new Error('mmdb-writer: database too large for 24-bit records');
      tree.writeUIntBE(value, node.id * 6 + side * 3, 3);
    }
  }

  // 3. Metadata, after the marker at the very end of the file.
  const metadata = encode({
    node_count: nodeCount,
    record_size: RECORD_BITS,
    ip_version: 6,
    database_type: spec.databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: new MmdbUint64(BigInt(spec.buildEpoch ?? 1_700_000_000)),
    description: { en: `${spec.databaseType} test database written by test/support/mmdb-writer.ts` },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...chunks, METADATA_MARKER, metadata]);
}

/** The first `prefix` bits of a network's address in the IPv6 tree (IPv4 under ::/96). */
function networkBits(cidr: string): number[] {
  const [address, prefixText] = cidr.split('/');
  const version = isIP(address);
  const prefix = Number(prefixText);
  const bytes =
    version === 4 ? [...new Array<number>(12).fill(0), ...address.split('.').map(Number)] : ipv6Bytes(address);
  const length = version === 4 ? 96 + prefix : prefix;
  if (version === 0 || !Number.isInteger(prefix) || prefix < 1 || length > 128) {
    throw new Error(`mmdb-writer: bad network ${cidr}`);
  }
  const bits: number[] = [];
  for (let i = 0; i < length; i++) bits.push((bytes[i >> 3] >> (7 - (i & 7))) & 1);
  return bits;
}

/** The 16 bytes of an IPv6 address written with hex groups and at most one `::`. */
function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** One value in the MaxMind DB data format: a control byte (type and size), then the payload. */
function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(T.String, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(T.Boolean, value ? 1 : 0); // the size field is the value
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffff) return unsigned(T.Uint16, BigInt(value));
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return unsigned(T.Uint32, BigInt(value));
    const payload = Buffer.alloc(8);
    payload.writeDoubleBE(value);
    return Buffer.concat([control(T.Double, 8), payload]);
  }
  if (value instanceof MmdbUint64) return unsigned(T.Uint64, value.value);
  if (Array.isArray(value)) return Buffer.concat([control(T.Array, value.length), ...value.map(encode)]);
  // Maps: the size is the number of pairs; keys are strings.
  const entries = Object.entries(value);
  return Buffer.concat([control(T.Map, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

/** An unsigned integer: big-endian, without leading zero bytes (zero has an empty payload). */
function unsigned(type: TypeCode, value: bigint): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/**
 * The control byte: 3 type bits and 5 size bits. Types above 7 put 0 in the type bits and
 * `type - 7` in the next byte. Sizes of 29 and more spill into 1–3 further bytes.
 */
function control(type: TypeCode, size: number): Buffer {
  const extended = type > 7;
  const typeBits = (extended ? 0 : type) << 5;
  const typeByte = extended ? [type - 7] : [];
  let head: number[];
  if (size < 29) head = [typeBits | size, ...typeByte];
  else if (size < 285) head = [typeBits | 29, ...typeByte, size - 29];
  else if (size < 65_821) head = [typeBits | 30, ...typeByte, (size - 285) >> 8, (size - 285) & 0xff];
  else {
    const rest = size - 65_821;
    head = [typeBits | 31, ...typeByte, (rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff];
  }
  return Buffer.from(head);
}
