// The page's copy of layered.ts (the diagram lays out folded views with it): the compiled source
// of the very function the generator runs, and the generator's spacing.

import { LAYERED } from '../layout.js';
import { layered } from '../layered.js';

export const LAYERED_JS = `var LAYERED_OPTIONS = ${JSON.stringify(LAYERED)};\nvar layered = ${layered.toString()};\n`;
