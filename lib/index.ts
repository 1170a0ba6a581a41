// The public API of nest-qsessions. Everything else is internal and may change.
export { QSessionsModule } from './qsessions.module.js';
export {
  getQSessionsClockToken,
  getQSessionsOptionsToken,
  getSessionCacheToken,
  getSessionStoreToken,
  type QSessionsModuleAsyncOptions,
  type QSessionsModuleExtras,
  type QSessionsOptionsFactory,
} from './qsessions.module-definition.js';
export type {
  QSessionsCacheOptions,
  QSessionsRedisSentinelOptions,
  QSessionsRedisClusterOptions,
  QSessionsCookieOptions,
  QSessionsEngine,
  QSessionsLegacyCookieOptions,
  QSessionsModuleOptions,
  QSessionsModuleRootOptions,
  SessionLimitPolicy,
  QSessionsPrivacyOptions,
  QSessionsHistoryOptions,
  QSessionsLiveOptions,
  IpPrivacy,
  TrustProxyOption,
} from './qsessions.options.js';
export type { QSessionsClock } from './util/clock.js';
export { QSessionsConfigError } from './options/qsessions-config.error.js';
export { QSessionsTableMissingError } from './typeorm/qsessions-table-missing.error.js';
export {
  SessionService,
  type ErasedUserData,
  type LoginOptions,
  type RevokeByTokenOptions,
  type RevokeLinkOptions,
  type UserOrId,
  type UserSessionData,
} from './services/session.service.js';
export { SessionLimitError } from './services/session-limit.error.js';
export type { RevocationOptions } from './services/revocation-options.js';
export type { SessionView } from './services/session-view.js';
export { QSession, QSESSION_TABLE } from './typeorm/qsession.entity.js';
export { QSessionRevocation, QSESSION_REVOCATION_TABLE } from './typeorm/qsession-revocation.entity.js';
export { QSessionHistoryEntry, QSESSION_HISTORY_TABLE } from './typeorm/qsession-history.entity.js';
export { QSessionRevokeLink, QSESSION_REVOKE_LINK_TABLE } from './typeorm/qsession-revoke-link.entity.js';
export type { HistoryQuery, SessionHistoryEntry, SessionHistoryPage } from './history/session-history-entry.js';
export type { SessionEnd, SessionHistoryEvent } from './session/session-history.js';
export { setQSessionUserEntity, type UserEntityClass } from './typeorm/user-entity.js';
export { CurrentSession, CurrentSessionId } from './decorators/current-session.decorator.js';
export { ClientInfo } from './decorators/client-info.decorator.js';
export { SessionEnded } from './decorators/session-ended.decorator.js';
export { RequireFreshSession, type RequireFreshSessionOptions } from './decorators/require-fresh-session.decorator.js';
export { FreshSessionGuard } from './guards/fresh-session.guard.js';
export { SocketSessionGuard, SocketSessionOptions, SOCKET_SESSION_OPTIONS } from './guards/socket-session.guard.js';
export {
  LiveSessions,
  type AcceptSocketOptions,
  type SessionEndedMessage,
  type SocketSession,
} from './live/live-sessions.service.js';
export { SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_EVENT } from './live/live-socket.js';
export { graphqlWsSessions, type GraphQLWsSessionHooks } from './live/graphql-ws-sessions.js';
export {
  mercuriusSubscriptionSessions,
  type MercuriusSubscriptionSessionHooks,
} from './live/mercurius-subscription-sessions.js';
export { ReauthenticationRequiredException } from './guards/reauthentication-required.exception.js';
export type { Duration, DurationUnit } from './util/duration.js';
export type { ClientDetails } from './session/client-details.js';
export type { ClientHintBrand, ClientHints } from './session/client-hints.js';
export { QSessionsMiddleware } from './http/qsessions.middleware.js';
export { RequestSession, type SessionCallback } from './session/request-session.js';
export { SessionCookie } from './session/session-cookie.js';
export type { UserId } from './session/session-record.js';
export {
  SessionInterruptedError,
  SessionTooLargeError,
  SessionStoreUnavailableError,
} from './session/session-errors.js';
export type {
  BuiltInRevocationReason,
  RevocationReason,
  SessionCreatedEvent,
  SessionEvent,
  SessionRevokedEvent,
  SessionRotatedEvent,
  SessionSignedInEvent,
} from './events/session-event.js';
export type { GeoIpOptions } from './geoip/geoip-options.js';
export { formatLocation, type LocationInfo } from './geoip/location-info.js';
export {
  parseDevice,
  type BrowserInfo,
  type DeviceInfo,
  type HardwareInfo,
  type OsInfo,
} from './user-agent/device-info.js';
