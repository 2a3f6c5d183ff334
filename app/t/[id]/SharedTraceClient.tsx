'use client';
// The interactive viewer for a shared trace: the stored analysis from the API, plus notes.
import SharedViewer from '@/components/share/SharedViewer';

export default function SharedTraceClient({ id, name }: { id: string; name: string }) {
  return <SharedViewer id={id} name={name} />;
}
