/**
 * The EC2 client as the provider uses it: created lazily (so importing smartscale or building a
 * provider never looks for credentials), every call wrapped in the retry policy, and pages
 * followed with a bound. Credentials come from the SDK's standard chain when the first call is
 * made: environment, web identity (IRSA), EKS Pod Identity, then the instance profile.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { withRetry, type RetryPolicy } from './retry.js';

/** Pages followed before giving up; far beyond any real region (1,000 types at 100 per page). */
export const MAX_PAGES = 200;

/** An AWS client created on first use, every call retried by the policy. */
export class AwsApi<Client> {
  private client: Client | undefined;

  constructor(
    private readonly createClient: () => Client,
    readonly retry: RetryPolicy,
  ) {}

  /** The client; created on first use. */
  get sdk(): Client {
    this.client ??= this.createClient();
    return this.client;
  }

  call<T>(operation: string, run: (client: Client) => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry, () => run(this.sdk));
  }
}

export class Ec2Api extends AwsApi<EC2Client> {

  /** Follows `NextToken` until the last page; each page retried on its own. */
  async paginate<Page extends { NextToken?: string }, Item>(
    operation: string,
    fetchPage: (client: EC2Client, nextToken: string | undefined) => Promise<Page>,
    items: (page: Page) => readonly Item[] | undefined,
  ): Promise<Item[]> {
    const out: Item[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result: Page = await this.call(operation, (client) => fetchPage(client, token));
      out.push(...(items(result) ?? []));
      token = result.NextToken || undefined;
      if (token === undefined) return out;
    }
    throw new Error(`EC2 ${operation}: more than ${MAX_PAGES} pages, giving up`);
  }
}

/** The default client: the region given, SDK retries off (ours apply), standard credential chain. */
export function defaultEc2Client(region: string | undefined): () => EC2Client {
  return () => new EC2Client({ region, maxAttempts: 1 });
}

/** The default IAM client (only used for node classes that name a role). */
export function defaultIamClient(region: string | undefined): () => IAMClient {
  return () => new IAMClient({ region, maxAttempts: 1 });
}
