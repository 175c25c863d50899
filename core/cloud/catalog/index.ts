export { BUILTIN_CATALOG, loadCatalog, loadCatalogSync, loadCatalogEntriesSync } from './load.js';
export { CatalogError, parseCatalog, type CatalogEntry } from './format.js';
export { builtinCatalogEntries } from './builtin.js';
export {
  DEFAULT_SPOT_DISCOUNT,
  DEFAULT_ZONES,
  effectiveMaxPods,
  instanceTypeFromEntry,
  instanceTypesFromCatalog,
  type CatalogOptions,
  type MaxPodsPolicy,
} from './instance-types.js';
