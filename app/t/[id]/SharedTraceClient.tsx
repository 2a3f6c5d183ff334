'use client';
// The interactive viewer for a shared trace: fetches the stored capture and analyzes it locally.
import TraceApp from '@/components/TraceApp';

export default function SharedTraceClient({ id, name }: { id: string; name: string }) {
  return <TraceApp remote={{ url: `/api/traces/${encodeURIComponent(id)}/raw`, name }} />;
}
