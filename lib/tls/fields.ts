import type { FieldLayer } from '../filter/types';
export const TLS_LAYER: FieldLayer = { protocol: 'tls', fields: [] };
