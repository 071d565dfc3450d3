import { loggerFor } from '../common/logger';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AgentServiceService } from '@log4fleet/contracts';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { certificateFingerprint } from '../common/certificate-fingerprint';
import { AgentRegistry } from '../connections/agent-registry.service';
import { AgentServiceHandlers } from './agent-service.handlers';
import { withListenBacklog } from './listen-backlog';
import { refusingMalformed } from './malformed-request';

const SHUTDOWN_GRACE_MS = 5_000;

/** The agents' gRPC endpoint: a plain @grpc/grpc-js server owned by the Nest lifecycle. */
@Injectable()
export class GrpcServerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = loggerFor(GrpcServerService.name);
  private server: Server | null = null;
  private port: number | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly handlers: AgentServiceHandlers,
    private readonly registry: AgentRegistry,
  ) {}

  /** The bound port (useful when GRPC_PORT=0). */
  get boundPort(): number {
    if (this.port === null) throw new Error('the gRPC server is not listening');
    return this.port;
  }

  get address(): string {
    return `${this.config.grpc.host}:${this.boundPort}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const grpc = this.config.grpc;
    const server = new Server({
      'grpc.max_receive_message_length': grpc.maxReceiveBytes,
      'grpc.max_send_message_length': grpc.maxReceiveBytes,
      'grpc.keepalive_time_ms': grpc.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': grpc.keepaliveTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      // TOOLCHAIN.md: agents whose channels were recreated leave orphan connections; this closes them.
      'grpc.max_connection_idle_ms': grpc.maxConnectionIdleMs,
    });
    const service = refusingMalformed(AgentServiceService, this.handlers.implementation());
    server.addService(service.definition, service.implementation);
    this.port = await withListenBacklog(
      grpc.listenBacklog,
      () =>
        new Promise<number>((resolve, reject) => {
          server.bindAsync(`${grpc.host}:${grpc.port}`, this.credentials(), (error, port) =>
            error
              ? reject(
                  new Error(`gRPC cannot listen on ${grpc.host}:${grpc.port}: ${error.message}`),
                )
              : resolve(port),
          );
        }),
    );
    this.server = server;
    this.logger.info({ address: this.address, tls: Boolean(grpc.tls) }, 'gRPC server listening');
    // What an admin gives agents as `enroll --fingerprint` (also GET /api/v1/controller-certificate).
    if (grpc.tls)
      this.logger.info(
        { certificate: grpc.tls.certPath, ...certificateFingerprint(grpc.tls.certPath) },
        'gRPC TLS certificate fingerprint',
      );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.registry.disconnectAll('the controller is shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private credentials(): ServerCredentials {
    const tls = this.config.grpc.tls;
    if (!tls) return ServerCredentials.createInsecure();
    return ServerCredentials.createSsl(
      null,
      [{ cert_chain: readFileSync(tls.certPath), private_key: readFileSync(tls.keyPath) }],
      false,
    );
  }
}
