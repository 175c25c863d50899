export { Ec2CloudProvider, fleetClientToken, validateClusterJoin, type Ec2ProviderOptions, type NodeClassSource } from './provider.js';
export { parseEC2NodeClass, NodeClassError, type EC2NodeClass, type SelectorTerm, type AmiSelectorTerm } from './node-class.js';
export {
  Ec2AuthorizationError,
  Ec2ValidationError,
  NodeClassResolutionError,
  isEc2AuthorizationError,
  isEc2ValidationError,
  isNodeClassResolutionError,
  launchFailure,
  launchFailedCondition,
} from './errors.js';
export { Ec2Tags } from './tags.js';
export { defaultEc2Client } from './api.js';
export { builtinOnDemandPrices, onDemandPricesFromCatalog } from './pricing.js';
export type { ClusterJoin } from './user-data.js';
