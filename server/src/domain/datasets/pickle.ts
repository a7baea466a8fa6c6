// A small, safe Python pickle VM: only the opcodes and globals that insightface-style `.bin`
// benchmark files use (lists/tuples of bytes and bools, numpy bool/int arrays and scalars).
// Anything else is rejected with a clear error: pickles can execute code, so there is no generic
// `find_class`. The values live in pickle-values.ts, the writer in pickle-write.ts. This file stays
// over ~350 lines for a reason: unpickle() is one opcode switch over one stack, memo and mark
// list; cutting the switch apart would spread the VM's state across modules.

import { BufferSource, type ByteSource } from './byte-source.js';
import { BytesRef, NdArray, NpDtype, PickleError, PyDict, PyGlobal, PyTuple, ndarrayValues, type PyValue } from './pickle-values.js';

export * from './pickle-values.js';
export * from './pickle-write.js';

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

export interface UnpickleOptions {
  /** Bytes payloads at least this long become BytesRef instead of being copied (default: never). */
  lazyBytesThreshold?: number;
  /** Most opcodes run (each makes at most one value): bounds memory whatever counts the file claims. */
  maxOps?: number;
}

const NUMPY_RECONSTRUCT = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct']);
const NUMPY_SCALAR = new Set(['numpy.core.multiarray.scalar', 'numpy._core.multiarray.scalar']);
const NUMPY_FROMBUFFER = new Set(['numpy.core.numeric._frombuffer', 'numpy._core.numeric._frombuffer']);
const ALLOWED_GLOBALS = new Set([
  '_codecs.encode',
  '__builtin__.bytes',
  'builtins.bytes',
  '__builtin__.bytearray',
  'builtins.bytearray',
  'numpy.ndarray',
  'numpy.dtype',
  ...NUMPY_RECONSTRUCT,
  ...NUMPY_SCALAR,
  ...NUMPY_FROMBUFFER,
]);

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function u32(b: Uint8Array): number {
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
}
function u64(b: Uint8Array, what: string): number {
  const lo = u32(b);
  const hi = u32(b.subarray(4));
  const v = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(v)) throw new PickleError(`${what} length too large`);
  return v;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new PickleError('_codecs.encode: string is not latin-1');
    out[i] = c;
  }
  return out;
}

function describe(v: StackItem | undefined): string {
  if (v === MARK) return 'MARK';
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return v.constructor.name;
  return typeof v;
}

/**
 * Runs a pickle from `source`. In lazy mode large byte strings come back as BytesRef into the
 * source; callers keep the source open to read them.
 */
export async function unpickle(source: ByteSource | Uint8Array, options: UnpickleOptions = {}): Promise<PyValue> {
  const src = source instanceof Uint8Array ? new BufferSource(source) : source;
  const lazy = options.lazyBytesThreshold ?? Infinity;
  const maxOps = options.maxOps ?? Infinity;
  let ops = 0;
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  const pop = (): StackItem => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${src.position}`);
    return stack.pop()!;
  };
  const popValue = (): PyValue => {
    const v = pop();
    if (v === MARK) throw new PickleError(`unexpected MARK at byte ${src.position}`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) throw new PickleError(`no MARK on the stack at byte ${src.position}`);
    const items = stack.splice(k) as PyValue[];
    items.shift();
    return items;
  };
  const top = (): StackItem => {
    const v = stack[stack.length - 1];
    if (v === undefined) throw new PickleError(`stack underflow at byte ${src.position}`);
    return v;
  };
  const bytesPayload = async (n: number): Promise<Uint8Array | BytesRef> => {
    if (n >= lazy) {
      const ref = new BytesRef(src.position, n);
      await src.skip(n);
      return ref;
    }
    return (await src.read(n)).slice();
  };
  const materialize = async (v: PyValue): Promise<Uint8Array> => {
    if (v instanceof Uint8Array) return v;
    if (v instanceof BytesRef) return src.readAt(v.offset, v.length);
    throw new PickleError(`expected bytes, got ${describe(v)}`);
  };
  const readLine = async (): Promise<string> => {
    let s = '';
    for (;;) {
      const c = (await src.read(1))[0]!;
      if (c === 0x0a) return s;
      s += String.fromCharCode(c);
      if (s.length > 256) throw new PickleError('GLOBAL line too long');
    }
  };
  const makeGlobal = (module: string, name: string): PyGlobal => {
    const g = new PyGlobal(module, name);
    if (!ALLOWED_GLOBALS.has(g.qualified)) {
      throw new PickleError(`unsupported pickle global ${g.qualified} (only bytes, bools and numpy bool/int arrays are accepted)`);
    }
    return g;
  };

  const reduce = async (fn: PyValue, argsValue: PyValue): Promise<PyValue> => {
    if (!(fn instanceof PyGlobal)) throw new PickleError(`REDUCE on ${describe(fn)}`);
    if (!(argsValue instanceof PyTuple)) throw new PickleError('REDUCE arguments are not a tuple');
    const args = argsValue.items;
    const q = fn.qualified;
    if (q === '_codecs.encode') {
      const [s, enc] = args;
      if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) throw new PickleError('_codecs.encode: expected (str, "latin1")');
      return latin1Bytes(s);
    }
    if (q.endsWith('.bytes') || q.endsWith('.bytearray')) {
      if (args.length === 0) return new Uint8Array(0);
      const [a, enc] = args;
      if (typeof a === 'string' && (enc === 'latin1' || enc === 'latin-1')) return latin1Bytes(a);
      if (a instanceof Uint8Array || a instanceof BytesRef) return materialize(a);
      if (Array.isArray(a) && a.every((x) => typeof x === 'number')) return Uint8Array.from(a);
      throw new PickleError(`${q}: unsupported arguments`);
    }
    if (q === 'numpy.dtype') {
      const [code] = args;
      if (typeof code !== 'string') throw new PickleError('numpy.dtype: expected a type string');
      return new NpDtype(code.replace(/^[<>=|]/, ''));
    }
    if (NUMPY_RECONSTRUCT.has(q)) return new NdArray();
    if (NUMPY_SCALAR.has(q)) {
      const [dtype, raw] = args;
      if (!(dtype instanceof NpDtype)) throw new PickleError('numpy scalar: missing dtype');
      const arr = new NdArray();
      arr.dtype = dtype;
      arr.shape = [];
      arr.raw = await materialize(raw ?? null);
      const values = ndarrayValues(arr);
      return values[0] ?? null;
    }
    if (NUMPY_FROMBUFFER.has(q)) {
      const [buffer, dtype, shape] = args;
      if (!(dtype instanceof NpDtype) || !(shape instanceof PyTuple)) throw new PickleError('numpy _frombuffer: bad arguments');
      const arr = new NdArray();
      arr.dtype = dtype;
      arr.shape = shape.items.map((x) => Number(x));
      arr.raw = await materialize(buffer ?? null);
      return arr;
    }
    throw new PickleError(`cannot call ${q}`);
  };

  const build = async (obj: PyValue, state: PyValue): Promise<void> => {
    if (obj instanceof NpDtype) {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
      if (state instanceof PyTuple && typeof state.items[1] === 'string') {
        obj.endian = state.items[1];
        if (obj.endian === '>') throw new PickleError('big-endian numpy arrays are not supported');
      }
      return;
    }
    if (obj instanceof NdArray) {
      // (version, shape, dtype, is_fortran, rawdata)
      if (!(state instanceof PyTuple) || state.items.length < 5) throw new PickleError('numpy array state: unexpected layout');
      const [, shape, dtype, fortran, raw] = state.items;
      if (!(shape instanceof PyTuple) || !(dtype instanceof NpDtype)) throw new PickleError('numpy array state: bad shape or dtype');
      if (fortran === true && shape.items.length > 1) throw new PickleError('Fortran-ordered numpy arrays are not supported');
      obj.shape = shape.items.map((x) => Number(x));
      obj.dtype = dtype;
      if (Array.isArray(raw)) throw new PickleError('numpy object arrays are not supported');
      obj.raw = await materialize(raw ?? null);
      return;
    }
    throw new PickleError(`BUILD on ${describe(obj)}`);
  };

  for (;;) {
    if (++ops > maxOps) throw new PickleError(`more than ${maxOps} pickle opcodes: too many values`);
    const op = (await src.read(1))[0]!;
    switch (op) {
      case 0x80: // PROTO
        if ((await src.read(1))[0]! > 5) throw new PickleError('pickle protocol > 5');
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        await src.read(8);
        break;
      case 0x2e: // STOP
        return popValue();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push((await src.read(1))[0]!);
        break;
      case 0x4d: {
        // BININT2
        const b = await src.read(2);
        stack.push(b[0]! | (b[1]! << 8));
        break;
      }
      case 0x4a: {
        // BININT
        const b = await src.read(4);
        stack.push(new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true));
        break;
      }
      case 0x8a: {
        // LONG1
        const n = (await src.read(1))[0]!;
        const b = await src.read(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian)
        const b = await src.read(8);
        stack.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
        break;
      }
      case 0x43: // SHORT_BINBYTES
      case 0x55: // SHORT_BINSTRING (Python 2 str, read as bytes like encoding='bytes')
        stack.push(await bytesPayload((await src.read(1))[0]!));
        break;
      case 0x42: // BINBYTES
        stack.push(await bytesPayload(u32(await src.read(4))));
        break;
      case 0x54: {
        // BINSTRING (signed length)
        const b = await src.read(4);
        const n = new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
        if (n < 0) throw new PickleError('BINSTRING with negative length');
        stack.push(await bytesPayload(n));
        break;
      }
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(await bytesPayload(u64(await src.read(8), 'BINBYTES8')));
        break;
      case 0x8c: // SHORT_BINUNICODE
      case 0x58: // BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        const n = op === 0x8c ? (await src.read(1))[0]! : op === 0x58 ? u32(await src.read(4)) : u64(await src.read(8), 'BINUNICODE8');
        const b = await src.read(n);
        try {
          stack.push(utf8.decode(b));
        } catch {
          stack.push(latin1.decode(b)); // surrogate-escaped text: keep the bytes as latin-1 code points
        }
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([popValue()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = popValue();
        const a = popValue();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = popValue();
        const b = popValue();
        const a = popValue();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i]!, items[i + 1]!]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = popValue();
        const k = popValue();
        const d = top();
        if (!(d instanceof PyDict)) throw new PickleError(`SETITEM on ${describe(d)}`);
        d.entries.push([k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof PyDict)) throw new PickleError(`SETITEMS on ${describe(d)}`);
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i]!, items[i + 1]!]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = popValue();
        const list = top();
        if (!Array.isArray(list)) throw new PickleError(`APPEND on ${describe(list)}`);
        list.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new PickleError(`APPENDS on ${describe(list)}`);
        for (const v of items) list.push(v);
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, top() as PyValue);
        break;
      case 0x71: // BINPUT
        memo.set((await src.read(1))[0]!, top() as PyValue);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(await src.read(4)), top() as PyValue);
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? (await src.read(1))[0]! : u32(await src.read(4));
        if (!memo.has(k)) throw new PickleError(`memo key ${k} missing`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = await readLine();
        const name = await readLine();
        stack.push(makeGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = popValue();
        const module = popValue();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        stack.push(makeGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = popValue();
        const fn = popValue();
        stack.push(await reduce(fn, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = popValue();
        await build(top() as PyValue, state);
        break;
      }
      default:
        throw new PickleError(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${src.position - 1}`,
        );
    }
  }
}
