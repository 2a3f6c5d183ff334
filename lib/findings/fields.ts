import type { FieldLayer } from '../filter/types';
export const FINDINGS_LAYER: FieldLayer = { protocol: 'tracelens', fields: [] };
