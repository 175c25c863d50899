/** The shared CloudProvider contract, run against the EC2 provider on an in-memory EC2 behind aws-sdk-client-mock. */
import { offeringKey } from '../../../../core/model/instance-type.js';
import { describeCloudProviderContract } from '../contract.js';
import { harness } from './builders.js';

describeCloudProviderContract('ec2 (aws-sdk-client-mock)', () => {
  const { provider, ec2 } = harness({ defaultNodeClass: 'default' });
  // The mocked CreateFleet answers InsufficientInstanceCapacity for these offerings.
  return { provider, makeUnavailable: (ref) => ec2.insufficient.add(offeringKey(ref)) };
});
