/** A bundled sample listed in public/samples/index.json. */
export interface Sample {
  name: string;
  file: string;
  description?: string;
}
