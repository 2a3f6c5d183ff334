/** The display-filter language: `import { compileFilter, FieldIndex, filterRows } from '@/lib/filter'`. */
export { compileFilter, filterRows, FieldIndex } from './filter';
export type { CompiledFilter, CompileResult, FilterError } from './filter';
export type { FieldContext, FieldDef, FieldLayer, FieldType, FieldValue } from './types';
