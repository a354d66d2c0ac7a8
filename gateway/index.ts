/**
 * The gateway: gRPC OrderService (with health and reflection) and the HTTP side port. Nothing
 * outside `gateway/` imports past this file.
 */
export { createGateway } from './gateway';
export type { Gateway, GatewayDeps, GatewayPorts } from './types';
export { resolveGatewayOptions } from './options';
export type { GatewayOptions, ResolvedGatewayOptions } from './options';
export {
  AuthenticationError,
  GatewayError,
  IdempotencyConflictError,
  isGatewayError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from './gateway.errors';
export type { Dependency, GatewayErrorCode } from './gateway.errors';
export { toGrpcFailure } from './grpc/status.mapping';
export type { GrpcFailure } from './grpc/status.mapping';
export { HEALTH_SERVICE_NAME, loadGatewayProtos, ORDER_SERVICE_NAME, PROTO_DIR } from './grpc/proto.loader';
export { createOrderClient, orderFromWire } from './client/order.client';
export type { CallSettings, ListOrdersInput, OrderClient, OrderClientOptions, SubmitOrderInput } from './client/order.client';
export { createMerchant, defaultWalletId, generateApiKey } from './merchants/merchant.store';
export type { CreatedMerchant, NewMerchant } from './merchants/merchant.store';
export { hashApiKey } from './auth/api-key.authenticator';
export { validateSubmitOrder, ORDER_LIMITS } from './orders/order.validation';
export type { OrderStatusName, OrderView, ValidatedOrder } from './orders/types';
export { HttpRouter } from './http/http.router';
export type { HttpHandler, HttpMethod, HttpReply, HttpRoute } from './http/http.router';
