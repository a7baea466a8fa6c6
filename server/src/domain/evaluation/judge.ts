// Which recognizer judges a dataset when the request names none: an independent one, i.e. the
// first ready recognizer other than the one being evaluated (the default recognizer when unnamed).
import type { ModelInfo } from '../../runtime/models/types.js';

export function pickJudge(recognizers: readonly ModelInfo[], evaluated: string | undefined, defaultRecognizer: string): string | undefined {
  const main = evaluated || defaultRecognizer;
  return recognizers.find((m) => m.kind === 'recognizer' && m.name !== main && m.state === 'ready')?.name;
}
