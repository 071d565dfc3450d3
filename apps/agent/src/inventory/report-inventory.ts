import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type {
  AgentServiceClient,
  ReportInventoryRequest,
  ReportInventoryResponse,
} from '@log4fleet/contracts';

/** One ReportInventory call. Idempotent on the controller by (agent, collected_at_ms): safe to retry. */
export function reportInventory(
  client: Pick<AgentServiceClient, 'reportInventory'>,
  metadata: Metadata,
  request: ReportInventoryRequest,
  timeoutMs = 60_000,
): Promise<ReportInventoryResponse> {
  const deadline = new Date(Date.now() + timeoutMs);
  return new Promise((resolve, reject) => {
    client.reportInventory(
      request,
      metadata,
      { deadline },
      (err: ServiceError | null, response: ReportInventoryResponse) =>
        err ? reject(err) : resolve(response),
    );
  });
}
