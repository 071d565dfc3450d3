import { Inject, Injectable } from '@nestjs/common';
import { sendUnaryData, ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';
import type {
  AgentMessage,
  AgentServiceServer,
  ControllerMessage,
  EnrollRequest,
  EnrollResponse,
  UploadResultsRequest,
  UploadResultsResponse,
} from '@log4fleet/contracts';
import { AgentsService } from '../agents/agents.service';
import { CommandsService } from '../commands/commands.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AgentRegistry } from '../connections/agent-registry.service';
import { EnrollService } from '../enrollment/enroll.service';
import { ResultUploadsService } from '../results/result-uploads.service';
import { ConnectSession } from './connect-session';
import { toGrpcStatus } from './grpc-errors';
import { validateEnroll, validateUpload } from './message-validation';
import { InventoryGrpcHandler } from '../inventory/inventory-grpc.handler';
import { ContainmentService } from '../quarantine/containment.service';
import { CommandSigner } from '../signing/command-signer.service';

function authorizationOf(call: { metadata: { get(key: string): unknown[] } }): string | undefined {
  const value = call.metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

/** Thin gRPC handlers: validate, delegate to a service, map errors. */
@Injectable()
export class AgentServiceHandlers {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly enrollment: EnrollService,
    private readonly agents: AgentsService,
    private readonly commands: CommandsService,
    private readonly results: ResultUploadsService,
    private readonly registry: AgentRegistry,
    private readonly inventory: InventoryGrpcHandler,
    private readonly signer: CommandSigner,
    private readonly containment: ContainmentService,
  ) {}

  implementation(): AgentServiceServer {
    return {
      enroll: (call, callback) => void this.enroll(call, callback),
      connect: (call) => this.connect(call),
      uploadResults: (call, callback) => void this.uploadResults(call, callback),
      reportInventory: this.inventory.reportInventory,
    };
  }

  private async enroll(
    call: ServerUnaryCall<EnrollRequest, EnrollResponse>,
    callback: sendUnaryData<EnrollResponse>,
  ): Promise<void> {
    try {
      callback(null, await this.enrollment.enroll(validateEnroll(call.request)));
    } catch (error) {
      callback(toGrpcStatus(error, { rpc: 'Enroll' }));
    }
  }

  private connect(call: ServerDuplexStream<AgentMessage, ControllerMessage>): void {
    const deps = {
      agents: this.agents,
      commands: this.commands,
      registry: this.registry,
      maxStreams: this.config.grpc.maxStreams,
      signer: this.signer,
      containment: this.containment,
    };
    new ConnectSession(call, deps).start();
  }

  private async uploadResults(
    call: ServerUnaryCall<UploadResultsRequest, UploadResultsResponse>,
    callback: sendUnaryData<UploadResultsResponse>,
  ): Promise<void> {
    try {
      const principal = await this.agents.authenticate(authorizationOf(call));
      callback(null, await this.results.accept(principal, validateUpload(call.request)));
    } catch (error) {
      callback(
        toGrpcStatus(error, {
          rpc: 'UploadResults',
          commandId: call.request.commandId.slice(0, 64),
        }),
      );
    }
  }
}
