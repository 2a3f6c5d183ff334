/** Helpers shared by the log readers' tests (not used by the readers). */
import type { H2FrameInput } from '../stream';

const TYPE_LETTERS: Record<number, string> = {
  0: 'D',
  1: 'H',
  2: 'PRI',
  3: 'RST',
  4: 'S',
  5: 'PP',
  6: 'PING',
  7: 'GA',
  8: 'WU',
  9: 'C',
};

/** Frames of one stream as "> H*" style tokens: direction, type letter, "*" for END_STREAM. */
export function streamSequence(frames: H2FrameInput[], streamId: number): string {
  return frames
    .filter((f) => f.streamId === streamId)
    .map((f) => {
      const endStream = (f.typeId === 0 || f.typeId === 1) && (f.flagsRaw & 1) !== 0;
      return `${f.dir === 'c2s' ? '>' : '<'}${TYPE_LETTERS[f.typeId] ?? f.typeId}${endStream ? '*' : ''}`;
    })
    .join(' ');
}

export function header(frame: H2FrameInput | undefined, name: string): string | undefined {
  return frame?.headers?.find(([k]) => k === name)?.[1];
}
