import TraceApp from '@/components/TraceApp';

export default function Home() {
  return <TraceApp />;
}
