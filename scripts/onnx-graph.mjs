// Small helpers to write ONNX graphs with onnx-proto: just what the fixture models need.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** Deterministic PRNG (mulberry32) so the same seed always writes the same bytes. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, gaussian };
}

export function randomMatrix(random, rows, cols, scale) {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random.gaussian() * scale;
  return data;
}

export function floatTensor(name, dims, data) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

export function int64Tensor(name, values) {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: INT64,
    rawData: new Uint8Array(data.buffer),
  });
}

/** A graph input or output; string dims are symbolic (e.g. "batch_size"). */
export function valueInfo(name, elemType, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'string'
              ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
              : onnx.TensorShapeProto.Dimension.create({ dimValue: d }),
          ),
        }),
      }),
    }),
  });
}

const AttributeType = onnx.AttributeProto.AttributeType;

export function node(opType, inputs, outputs, attributes = {}) {
  const attribute = Object.entries(attributes).map(([name, value]) => {
    if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
    if (Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value });
  });
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: outputs[0], attribute });
}

/** Serializes a model at opset 17 (ReduceMean still takes `axes` as an attribute there). */
export function encodeModel({ name, nodes, inputs, outputs, initializers }) {
  const graph = onnx.GraphProto.create({ name, node: nodes, input: inputs, output: outputs, initializer: initializers });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'pagerag-fixtures',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
