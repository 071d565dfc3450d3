import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type { ReportInventoryRequest, ReportInventoryResponse } from '@log4fleet/contracts';
import type { TestAgent } from './agent-client';

/** ReportInventory through the agent's real gRPC client. */
export function reportInventory(
  agent: TestAgent,
  req: ReportInventoryRequest,
  metadata: Metadata = agent.metadata(),
): Promise<ReportInventoryResponse> {
  return new Promise((resolve, reject) => {
    agent.client.reportInventory(
      req,
      metadata,
      (error: ServiceError | null, response: ReportInventoryResponse) =>
        error ? reject(error) : resolve(response),
    );
  });
}
