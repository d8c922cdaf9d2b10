// Public surface of circuits/: the IR, parsing and writing, direct evaluation, statistics.

export { OP_NAMES, Op, applyOp, arity, inputOffsets, nGates, nWires, opCode, outputWires, truthTable, wireLabel } from './ir.js';
export type { Circuit, EmbeddedTest, Group, OpCode, OpName, OutputGroup } from './ir.js';
export { CircuitError, UserError, attempt, err, ok } from './errors.js';
export type { CircuitErrorKind, Result, SourceLoc } from './errors.js';
export { NetlistBuilder } from './builder.js';
export { FORMATS, WRITABLE, detectFormat, isFormatName, parseCircuitBytes, parseCircuitText, readCircuitFile, readInputFile, writableFormatOf, writeCircuit, writeCircuitFile } from './formats.js';
export { writeAag, writeAig, writeBench, writeBlif } from './writers/netlists.js';
export { circuitProblem, keepOutputs, liveGates, projectInputs, pruneDead, removeGates, removeInputs, replaceGate, truncateAt } from './netlist.js';
export type { FormatName, ParseOptions, WritableFormat } from './formats.js';
export { parseCvp } from './parsers/cvp.js';
export { cvpFromCircuit, writeCvp } from './writers/cvp.js';
export { evalBitsliced, evalBitslicedJs, evalMany, evalOne, evalOutputsOne, packVectors, slicedBit } from './eval.js';
export { bitsToValue, inputBitsFromHex, outputHex, parseBitString, parseHexValue, toHex, valueToBits } from './values.js';
export type { BitOrder } from './values.js';
export { circuitDepth, circuitStats, wireDepths } from './stats.js';
export type { CircuitStats } from './stats.js';
