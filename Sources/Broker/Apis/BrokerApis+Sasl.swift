import KafkaProtocol

extension BrokerApis {
    /// A SaslHandshake that reaches the API handlers came on a listener without SASL (on a SASL listener the
    /// connection's authenticator takes it first): Kafka's `handleSaslHandshakeRequest` answers ILLEGAL_SASL_STATE.
    func saslHandshake(_ request: SaslHandshakeRequest, _ context: RequestContext) -> SaslHandshakeResponse {
        SaslHandshakeResponse(errorCode: ErrorCode.illegalSaslState.rawValue, mechanisms: [])
    }

    /// Kafka's `handleSaslAuthenticateRequest`: tokens outside a SASL exchange are out of order.
    func saslAuthenticate(_ request: SaslAuthenticateRequest, _ context: RequestContext) -> SaslAuthenticateResponse {
        SaslAuthenticateResponse(
            errorCode: ErrorCode.illegalSaslState.rawValue,
            errorMessage: "SaslAuthenticate request received after successful authentication")
    }
}
