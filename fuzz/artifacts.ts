// Files of the findings: for case i failing in CoT format C (`uniform` through a uniform model),
// in the output folder,
//   fuzz-s<seed>-i<i>-<C>-<key>.orig.gc   the failing circuit, written before shrinking
//   fuzz-s<seed>-i<i>-<C>-<key>.gc        the minimal circuit, the failing input as a `test`
//   fuzz-s<seed>-i<i>-<C>-<key>.cvp       uniform: the minimal circuit, the failing input folded in
//   fuzz-s<seed>-i<i>-<C>-<key>.json      the report (report.ts)
//   uniform-N<capacity>-<sha8>.safetensors  uniform: the model the campaign compiled (once; a
//                                         model loaded with --model is named, not copied)
// <key> hashes the options that decide the case (report.ts), so campaigns with other options
// never collide. Every file is written to a temporary name and renamed: a reader (or an
// interrupted campaign) sees a whole file or none. An existing file is never replaced: a rerun
// finds identical content and leaves it; different content goes to a new name (-2, -3, ...).
// The parser fuzzer's reproducers follow the same rules (ParserFindingWriter below).

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCircuit, writeCvp, type Circuit } from '../circuits/index.js';
import { modelToBytes } from '../model/index.js';
import type { CampaignOptions, Finding, FoundFailure } from './campaign.js';
import { witnessTest } from './minimize.js';
import type { ParserCampaignOptions, ParserCase } from './parsers/campaign.js';
import { FORMAT_EXT, type SeedFile } from './parsers/seed-files.js';
import { REPORT_VERSION, findingReport, keyHash, type FindingFiles } from './report.js';

function sameContent(path: string, data: Uint8Array): boolean {
  try {
    return Buffer.compare(readFileSync(path), data) === 0;
  } catch {
    return false;
  }
}

/** Writes `data` at `path` (or the first free variant of it) atomically; returns the path used. */
export function writeNewFile(path: string, data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dot = path.lastIndexOf('.');
  const stem = dot > path.lastIndexOf('/') ? path.slice(0, dot) : path;
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot) : '';
  for (let k = 1; ; k++) {
    const p = k === 1 ? path : `${stem}-${k}${ext}`;
    if (existsSync(p)) {
      if (sameContent(p, bytes)) return p;
      continue;
    }
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, p);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      throw e;
    }
    return p;
  }
}

function gcWithTest(c: Circuit, witness: Uint8Array): string {
  return writeCircuit({ ...c, tests: [witnessTest(c, witness)] }, 'gc');
}

export class FindingWriter {
  private readonly originals = new Map<string, string>();
  private modelFile: string | undefined;

  constructor(
    readonly dir: string,
    private readonly opts: CampaignOptions,
  ) {}

  private base(f: FoundFailure): string {
    return join(this.dir, `fuzz-s${this.opts.seed}-i${f.index}-${f.cot}-${keyHash(this.opts)}`);
  }

  private ensureDir(): void {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
  }

  /** Writes the failing circuit (with its failing input as a test) before shrinking. */
  writeOriginal(f: FoundFailure): string {
    this.ensureDir();
    const p = writeNewFile(`${this.base(f)}.orig.gc`, gcWithTest(f.circuit, f.failure.witness));
    this.originals.set(this.base(f), p);
    return p;
  }

  /** The uniform model file of the reproducers: the one loaded, or the one compiled, written here once. */
  private uniformModel(): string | undefined {
    const u = this.opts.uniform;
    if (!u) return undefined;
    if (u.file !== undefined) return u.file;
    this.modelFile ??= writeNewFile(join(this.dir, `uniform-N${u.capacity}-${u.sha256.slice(0, 8)}.safetensors`), modelToBytes(u.model));
    return this.modelFile;
  }

  /** Writes the minimal circuit (and, uniform, its .cvp and the model), then the report that names the files. */
  writeFinding(f: Finding): FindingFiles & { report: string } {
    this.ensureDir();
    const original = this.originals.get(this.base(f)) ?? this.writeOriginal(f);
    const files: FindingFiles = { original };
    const model = this.uniformModel();
    if (model !== undefined) files.model = model;
    if (f.minimal) files.minimal = writeNewFile(`${this.base(f)}.gc`, writeCircuit(f.minimal.circuit, 'gc'));
    if (f.minimal && model !== undefined) files.cvp = writeNewFile(`${this.base(f)}.cvp`, writeCvp(f.minimal.circuit, f.minimal.failure.witness));
    const report = writeNewFile(`${this.base(f)}.json`, JSON.stringify(findingReport(this.opts, f, files), null, 2) + '\n');
    return { ...files, report };
  }
}

/** 8 hex digits naming a set of seed files (other seeds, other mutants). */
export function seedsKey(seeds: SeedFile[]): string {
  const h = createHash('sha256');
  for (const s of seeds) h.update(s.name).update('\0').update(s.bytes).update('\0');
  return h.digest('hex').slice(0, 8);
}

/**
 * Reproducers of the parser fuzzer, in the output folder:
 *   parse-s<seed>-i<i>-<format>-<key>.<ext>   the mutant, as it was parsed
 *   parse-s<seed>-i<i>-<format>-<key>.json    what went wrong and how to rerun it
 */
export class ParserFindingWriter {
  private readonly key: string;

  constructor(
    readonly dir: string,
    private readonly o: ParserCampaignOptions,
  ) {
    this.key = seedsKey(o.seeds);
  }

  write(c: ParserCase): { file: string; report: string } {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    const base = join(this.dir, `parse-s${this.o.seed}-i${c.index}-${c.format}-${this.key}`);
    const file = writeNewFile(`${base}.${FORMAT_EXT[c.format]}`, c.bytes);
    const report = {
      gatecot_fuzz_report: REPORT_VERSION,
      kind: 'parser',
      seed: String(this.o.seed),
      index: c.index,
      seed_file: c.seedFile,
      format: c.format,
      mutations: c.mutations,
      status: c.outcome.status,
      message: c.outcome.message ?? null,
      stack: c.outcome.stack ?? null,
      file,
      reproduce: `gatecot stats ${file} --format ${c.format}`,
    };
    return { file, report: writeNewFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n') };
  }
}
