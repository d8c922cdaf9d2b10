// Loading onnxruntime-node, an optional dependency, at run time (a dynamic import: gatecot builds
// and runs without it). Only the few calls the engine makes are typed here, so the TypeScript
// build does not need the package either.

import { UserError } from '../../common/errors.js';

/** The exact version gatecot pins (package.json optionalDependencies): CPU binaries inside, no download at install. */
export const ORT_PACKAGE = 'onnxruntime-node@1.16.3';

export class OrtUnavailableError extends UserError {
  override name = 'OrtUnavailableError';
}

export interface OrtTensor {
  readonly data: ArrayLike<number | bigint>;
  readonly dims: readonly number[];
}

export interface OrtSessionOptions {
  executionProviders?: string[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  intraOpNumThreads?: number;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: string[]): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}

export interface OrtModule {
  InferenceSession: { create(model: Uint8Array | string, opts?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => OrtTensor;
  env: { versions?: { node?: string; common?: string } };
}

/** How to get it, in one line. */
export function ortInstallHint(): string {
  return `onnxruntime-node is not installed (an optional dependency of gatecot): run \`npm install ${ORT_PACKAGE}\` in the gatecot folder (CPU binaries for Linux, macOS and Windows come inside the package)`;
}

let cached: Promise<OrtModule> | undefined;

/** onnxruntime-node, or a one-line OrtUnavailableError that says how to install it. `specifier`: for tests. */
export function loadOrt(specifier = 'onnxruntime-node'): Promise<OrtModule> {
  const load = async (): Promise<OrtModule> => {
    let mod: { default?: OrtModule } & Partial<OrtModule>;
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new OrtUnavailableError(ortInstallHint());
      throw new OrtUnavailableError(`onnxruntime-node is installed but does not load here: ${(e as Error).message.split('\n')[0]}`);
    }
    const ort = (mod.InferenceSession ? mod : mod.default) as OrtModule | undefined;
    if (!ort?.InferenceSession || !ort.Tensor) throw new OrtUnavailableError(`${specifier} does not look like onnxruntime-node (no InferenceSession)`);
    return ort;
  };
  if (specifier !== 'onnxruntime-node') return load();
  cached ??= load().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
