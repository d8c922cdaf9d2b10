// Public surface of runtime/fuzz/: fuzz campaigns over random circuits (compile, verify,
// shrink failures to minimal .gc reproducers) and over damaged circuit files (the parsers).

export { caseSeed, inShard, mix64, parseShard, shardIndices, WHOLE } from './seeds.js';
export type { Shard } from './seeds.js';
export { DEFAULT_GATES, DEFAULT_INPUTS, MAX_GATES, MAX_INPUTS, checkMix, parseLocality, parseRange, rangeText } from './options.js';
export type { CaseOptions, Range } from './options.js';
export { EXHAUSTIVE_UP_TO, buildCase, caseInputs, caseSpec, generatorOptions } from './cases.js';
export type { CaseSpec } from './cases.js';
export { bitString, checkBound, checkCot, positionalChecker, tokenClass } from './check.js';
export type { CheckConfig, CheckLabel, Checker, CotCheck, Failure, FailureKind } from './check.js';
export { UniformChecker, checkCapacity, compileUniformTarget, largestCase, loadUniformTarget } from './uniform.js';
export type { UniformTarget } from './uniform.js';
export { ddmin } from './ddmin.js';
export { circuitProblem, keepOutputs, liveGates, projectInputs, pruneDead, removeGates, removeInputs, replaceGate, truncateAt } from './netlist.js';
export { shrink } from './shrink.js';
export type { SameFailure, ShrinkOptions, ShrinkResult, ShrinkState } from './shrink.js';
export { VERIFY_SAMPLES, VERIFY_SEED, minimize, sameFailure, witnessTest } from './minimize.js';
export type { Minimized, ShrinkMode } from './minimize.js';
export { SharedGpu, openFuzzBackend } from './backend.js';
export type { FuzzBackend } from './backend.js';
export { yieldToEventLoop } from './yield.js';
export { runCampaign } from './campaign.js';
export type { CampaignHooks, CampaignOptions, CampaignSummary, CaseResult, Finding, FoundFailure, StopReason } from './campaign.js';
export { REPORT_VERSION, campaignKey, caseCommand, failureJson, findingReport, keyHash, reproduceCommand } from './report.js';
export type { FindingFiles } from './report.js';
export { FindingWriter, ParserFindingWriter, seedsKey, writeNewFile } from './artifacts.js';
export { builtinSeeds, corpusSeeds, FORMAT_EXT } from './parsers/seed-files.js';
export type { SeedFile } from './parsers/seed-files.js';
export { MUTATIONS, mutate } from './parsers/mutate.js';
export type { Mutant, Mutation } from './parsers/mutate.js';
export { examineParse, isProblem } from './parsers/examine.js';
export type { ParseOutcome, ParseStatus } from './parsers/examine.js';
export { InlineParseRunner, WorkerParseRunner, defaultWorkerUrl } from './parsers/runner.js';
export type { ParseRunner, WorkerRunnerOptions } from './parsers/runner.js';
export { mutantFileName, parserCase, runParserCampaign } from './parsers/campaign.js';
export type { ParserCampaignHooks, ParserCampaignOptions, ParserCampaignSummary, ParserCase } from './parsers/campaign.js';
export { writeAag, writeAig, writeBench, writeBlif } from './parsers/encode.js';
