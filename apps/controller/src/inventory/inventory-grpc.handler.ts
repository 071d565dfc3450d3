import { Injectable } from '@nestjs/common';
import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { ReportInventoryRequest, ReportInventoryResponse } from '@log4fleet/contracts';
import { AgentsService } from '../agents/agents.service';
import { toGrpcStatus } from '../grpc/grpc-errors';
import { InventoryIngestService } from './inventory-ingest.service';
import { validateReportInventory } from './inventory-validation';

/** The ReportInventory RPC, thin: authenticate, validate, delegate; registered by the gRPC server. */
@Injectable()
export class InventoryGrpcHandler {
  constructor(
    private readonly agents: AgentsService,
    private readonly ingest: InventoryIngestService,
  ) {}

  readonly reportInventory: handleUnaryCall<ReportInventoryRequest, ReportInventoryResponse> = (
    call,
    callback,
  ) => void this.handle(call, callback);

  private async handle(
    call: ServerUnaryCall<ReportInventoryRequest, ReportInventoryResponse>,
    callback: sendUnaryData<ReportInventoryResponse>,
  ): Promise<void> {
    try {
      const authorization = call.metadata.get('authorization')[0];
      const principal = await this.agents.authenticate(
        typeof authorization === 'string' ? authorization : undefined,
      );
      callback(null, await this.ingest.ingest(principal, validateReportInventory(call.request)));
    } catch (error) {
      callback(toGrpcStatus(error, { rpc: 'ReportInventory' }));
    }
  }
}
