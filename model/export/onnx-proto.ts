// The ONNX protobuf messages (onnx-proto: the official onnx.proto of ONNX 1.10, compiled to
// JavaScript by protobufjs) and small constructors for what the exporter writes: float32 and
// int64 tensors, value infos, attributes. protobufjs encodes; nothing here writes bytes by hand.

import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ModelProto = onnxProto.onnx.IModelProto;

/** TensorProto.DataType values used here. */
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const BOOL = onnx.TensorProto.DataType.BOOL;

/** A dimension: a fixed size, or a symbolic name (dynamic). */
export type Dim = number | string;

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/** The float32 values as little-endian bytes (a view when the host is little-endian). */
export function f32Bytes(data: Float32Array): Uint8Array {
  if (littleEndian()) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i]!, true);
  return out;
}

/** The float32 values of little-endian bytes (copied: the source need not be aligned). */
export function f32FromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

export function f32Tensor(name: string, dims: number[], data: Float32Array, docString: string): TensorProto {
  return { name, dims, dataType: FLOAT, rawData: f32Bytes(data), docString };
}

export function i64Tensor(name: string, dims: number[], values: number[], docString = ''): TensorProto {
  return { name, dims, dataType: INT64, int64Data: values, docString };
}

export function boolTensor(name: string, value: boolean, docString = ''): TensorProto {
  return { name, dims: [], dataType: BOOL, int32Data: [value ? 1 : 0], docString };
}

export function valueInfo(name: string, elemType: number, dims: Dim[], docString = ''): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, docString, type: { tensorType: { elemType, shape: { dim } } } };
}

export function attrInt(name: string, i: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function attrInts(name: string, ints: number[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

export function attrGraph(name: string, g: GraphProto): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.GRAPH, g };
}

/** A protobuf int64 as a JavaScript number (protobufjs decodes int64 as Long objects). */
export function toNumber(x: number | { toNumber(): number } | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}
