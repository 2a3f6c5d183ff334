export { correlate, DELAYED_EXTRA_S } from './correlate';
export { CorrelateInputReader, loadInput, type LoadedInput } from './input';
export { renderCorrelationText } from './text';
export * from './types';
