// The Python values a pickle (pickle.ts) can produce here, and numpy array element decoding.

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A bytes payload left in the source (lazy mode), to be read later with `source.readAt`. */
export class BytesRef {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyDict {
  readonly entries: Array<[PyValue, PyValue]> = [];
}

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export class NpDtype {
  /** numpy type string without byte order, e.g. 'b1', 'u1', 'i8', 'f4'. */
  constructor(
    public code: string,
    public endian = '<',
  ) {}
}

export class NdArray {
  dtype = new NpDtype('b1');
  shape: number[] = [];
  /** Raw little-endian element bytes (C order). */
  raw: Uint8Array = new Uint8Array(0);
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | BytesRef
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | NpDtype
  | NdArray;

/** The elements of a numpy array as JS numbers / booleans (bool, int and float dtypes). */
export function ndarrayValues(arr: NdArray): Array<number | boolean> {
  const { code } = arr.dtype;
  const raw = arr.raw;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width = Number(code.slice(1)) || 1;
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (raw.length < count * width) throw new PickleError(`numpy array data too short for shape ${JSON.stringify(arr.shape)}`);
  const out: Array<number | boolean> = [];
  for (let i = 0; i < count; i++) {
    const o = i * width;
    switch (code) {
      case 'b1':
      case '?':
        out.push(raw[o] !== 0);
        break;
      case 'u1':
        out.push(raw[o]!);
        break;
      case 'i1':
        out.push(view.getInt8(o));
        break;
      case 'i2':
        out.push(view.getInt16(o, true));
        break;
      case 'u2':
        out.push(view.getUint16(o, true));
        break;
      case 'i4':
        out.push(view.getInt32(o, true));
        break;
      case 'u4':
        out.push(view.getUint32(o, true));
        break;
      case 'i8':
      case 'u8':
        out.push(Number(code === 'i8' ? view.getBigInt64(o, true) : view.getBigUint64(o, true)));
        break;
      case 'f4':
        out.push(view.getFloat32(o, true));
        break;
      case 'f8':
        out.push(view.getFloat64(o, true));
        break;
      default:
        throw new PickleError(`unsupported numpy dtype ${code}`);
    }
  }
  return out;
}
