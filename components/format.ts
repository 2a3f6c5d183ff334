import type { Severity } from '@/lib/trace';

export const SEV_ORDER: Severity[] = ['error', 'warning', 'info'];
export const SEV_CLASS: Record<Severity, string> = {
  error: 'bg-red-600 text-white',
  warning: 'bg-amber-500 text-black',
  info: 'bg-sky-600 text-white',
};

export function fmtBytes(n: number) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
