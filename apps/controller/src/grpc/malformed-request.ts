import {
  MethodDefinition,
  sendUnaryData,
  ServiceDefinition,
  status,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { grpcStatus } from './grpc-errors';

const MALFORMED = Symbol('malformed request');

/** What a request that is not protobuf deserializes to: the reason, for the handler to answer. */
interface MalformedRequest {
  [MALFORMED]: string;
}

/** Why this request or stream message could not be decoded (INVALID_ARGUMENT), or null. */
export function malformedReason(message: unknown): string | null {
  return typeof message === 'object' && message !== null && MALFORMED in message
    ? (message as MalformedRequest)[MALFORMED]
    : null;
}

/**
 * @grpc/grpc-js answers a request its deserializer throws on with INTERNAL ("Error deserializing
 * request"), as if the controller had failed. The deserializers here never throw: bytes that are
 * not the method's message become a MalformedRequest naming the reason, which a unary call answers
 * with INVALID_ARGUMENT before its handler runs, and a stream's session (connect-session.ts) ends
 * its stream with. The server goes on serving either way.
 */
export function refusingMalformed<I extends UntypedServiceImplementation>(
  definition: ServiceDefinition<I>,
  implementation: I,
): { definition: ServiceDefinition<I>; implementation: I } {
  const guardedDefinition: Record<string, MethodDefinition<unknown, unknown>> = {};
  const guarded = {} as Record<string, UntypedHandleCall>;
  for (const name of Object.keys(definition) as Array<keyof I & string>) {
    const method = definition[name];
    const decode = method.requestDeserialize;
    guardedDefinition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return {
            [MALFORMED]: `${method.path}: the ${method.requestStream ? 'stream message' : 'request'} is not a valid protobuf message of this method (${reason})`,
          } satisfies MalformedRequest;
        }
      },
    };
    const handler = implementation[name];
    // AgentService has unary calls and one bidirectional stream (its session checks each message).
    guarded[name] =
      method.requestStream || method.responseStream ? handler : refuseMalformedUnary(handler);
  }
  return {
    definition: guardedDefinition as unknown as ServiceDefinition<I>,
    implementation: guarded as I,
  };
}

function refuseMalformedUnary(handler: UntypedHandleCall): UntypedHandleCall {
  const unary = handler as (call: { request: unknown }, callback: sendUnaryData<unknown>) => void;
  return ((call: { request: unknown }, callback: sendUnaryData<unknown>) => {
    const reason = malformedReason(call.request);
    if (reason === null) return unary(call, callback);
    callback(grpcStatus(status.INVALID_ARGUMENT, reason));
  }) as UntypedHandleCall;
}
