// /c/<id> — a shared correlation: the aligned view of the captures someone correlated and shared.
import type { Metadata } from 'next';
import SharedCorrelation from '@/components/correlate/SharedCorrelation';

export const metadata: Metadata = { title: 'Shared correlation — tracelens', referrer: 'no-referrer' };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SharedCorrelation id={id} />;
}
