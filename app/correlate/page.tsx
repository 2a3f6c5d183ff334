// /correlate — several captures (and debug logs) of one path, aligned on one clock.
import type { Metadata } from 'next';
import CorrelatePage from '@/components/correlate/CorrelatePage';

export const metadata: Metadata = { title: 'Correlate — tracelens', referrer: 'no-referrer' };

export default function Page() {
  return <CorrelatePage />;
}
