// /compare?a=<id>&b=<id>[&idle=<s>] — compare two runs (shared traces or local files).
import type { Metadata } from 'next';
import ComparePage from '@/components/compare/ComparePage';

export const metadata: Metadata = { title: 'Compare — tracelens', referrer: 'no-referrer' };

export default function Page() {
  return <ComparePage />;
}
