// `--shard auto`: this job's shard from the batch system's environment.
//
// Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0-based and the Job does not tell the pod how
// many completions it has, so the count comes from --shards N (the Job's `completions`):
// shard = JOB_COMPLETION_INDEX + 1 of N.
// Slurm job array: sbatch sets SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _MAX and _STEP for every array
// task. The array must be one evenly stepped range (`--array=0-15`, `1-16`, `5-35:2`, any `%`
// limit); then shard = (ID - MIN) / STEP + 1 of COUNT. A list such as `--array=1,3,7` is refused
// (MAX != MIN + (COUNT - 1) * STEP): its tasks cannot be numbered 1..COUNT from the environment.
// MIN is required (every Slurm that sets COUNT sets it); STEP defaults to 1; MAX is checked when set.
// Neither set, both set, or values that do not fit together: a one-line UserError.

import { UserError } from '../common/errors.js';
import type { Shard } from '../fuzz/index.js';

/** The environment variables read (empty counts as unset). */
export type ShardEnv = Readonly<Record<string, string | undefined>>;

export interface AutoShard {
  shard: Shard;
  /** Where it came from, in words (for a notice line). */
  from: string;
}

function get(env: ShardEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

function nonNegative(env: ShardEnv, name: string): number {
  const text = get(env, name)!;
  const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v)) throw new UserError(`--shard auto: ${name} must be a non-negative integer, got '${text}'`);
  return v;
}

function kubernetes(env: ShardEnv, shards: number | undefined): AutoShard {
  const i = nonNegative(env, 'JOB_COMPLETION_INDEX');
  if (shards === undefined) throw new UserError(`--shard auto: JOB_COMPLETION_INDEX=${i} (a Kubernetes Indexed Job) needs --shards N, the Job's completions`);
  if (i >= shards) throw new UserError(`--shard auto: JOB_COMPLETION_INDEX=${i} is not below --shards ${shards} (indices run 0..${shards - 1}: give the Job's completions)`);
  return { shard: { index: i + 1, count: shards }, from: `JOB_COMPLETION_INDEX=${i} of --shards ${shards}` };
}

function slurm(env: ShardEnv, shards: number | undefined): AutoShard {
  const id = nonNegative(env, 'SLURM_ARRAY_TASK_ID');
  for (const name of ['SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN']) {
    if (get(env, name) === undefined) throw new UserError(`--shard auto: SLURM_ARRAY_TASK_ID is set but ${name} is not (run it as a task of an sbatch --array job)`);
  }
  const count = nonNegative(env, 'SLURM_ARRAY_TASK_COUNT');
  const min = nonNegative(env, 'SLURM_ARRAY_TASK_MIN');
  const step = get(env, 'SLURM_ARRAY_TASK_STEP') !== undefined ? nonNegative(env, 'SLURM_ARRAY_TASK_STEP') : 1;
  if (count < 1 || step < 1) throw new UserError(`--shard auto: SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_STEP must be at least 1, got ${count} and ${step}`);
  const last = min + (count - 1) * step;
  if (get(env, 'SLURM_ARRAY_TASK_MAX') !== undefined) {
    const max = nonNegative(env, 'SLURM_ARRAY_TASK_MAX');
    if (max !== last) {
      throw new UserError(`--shard auto: the Slurm array is not one evenly stepped range (MIN ${min}, MAX ${max}, STEP ${step}, COUNT ${count}): use --array=A-B or A-B:S, or --shard I/N`);
    }
  }
  const k = (id - min) / step;
  if (!Number.isInteger(k) || k < 0 || k >= count) throw new UserError(`--shard auto: SLURM_ARRAY_TASK_ID=${id} is not a task of the array ${min}..${last} step ${step}`);
  if (shards !== undefined && shards !== count) throw new UserError(`--shard auto: --shards ${shards} disagrees with SLURM_ARRAY_TASK_COUNT=${count}`);
  return { shard: { index: k + 1, count }, from: `SLURM_ARRAY_TASK_ID=${id} of the array ${min}..${last}${step > 1 ? ` step ${step}` : ''} (${count} tasks)` };
}

/** This job's shard from the environment; `shards` is --shards N when given. */
export function shardFromEnv(env: ShardEnv, shards?: number): AutoShard {
  const k8s = get(env, 'JOB_COMPLETION_INDEX') !== undefined;
  const sl = get(env, 'SLURM_ARRAY_TASK_ID') !== undefined;
  if (k8s && sl) throw new UserError('--shard auto: both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set: give --shard I/N');
  if (k8s) return kubernetes(env, shards);
  if (sl) return slurm(env, shards);
  throw new UserError('--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set: give --shard I/N');
}
