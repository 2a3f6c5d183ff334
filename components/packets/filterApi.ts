// What the packet session uses: the display-filter language (lib/filter), its fields
// (lib/filter/registry.ts) and the packet list's rows and colouring (packetRow.ts).

export { FieldIndex, compileFilter, filterRows } from '@/lib/filter';
export type { CompiledFilter, FilterError } from '@/lib/filter';

export { FIELD_LAYERS, fieldContext } from '@/lib/filter/registry';

export { coloringRule, packetRow, type PacketRow } from './packetRow';
