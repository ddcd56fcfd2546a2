import KafkaProtocol
import NIOCore

/// One encoded response: size prefix, header and body in `buffer`, except for record regions that stay in their
/// segment files and are sent with `sendfile` at their positions (`KafkaWriter.deferredRegions`).
struct ResponseFrame: Sendable {
    var buffer: ByteBuffer
    var regions: [DeferredRegion]

    /// Encodes `header` and `body` behind an `int32` size prefix that counts the deferred regions too.
    static func encode<Body: KafkaResponse>(
        _ body: Body, version: Int16, header: ResponseHeader, headerVersion: ResponseHeader.Version,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(ProtocolEncodingError) -> ResponseFrame {
        var writer = KafkaWriter(buffer: allocator.buffer(capacity: 256))
        writer.int32(0)
        try header.encode(into: &writer, version: headerVersion)
        try body.encode(into: &writer, version: version)
        // Region positions count from the start of the body writer's buffer, prefix included.
        let regionBytes = writer.deferredRegions.reduce(0) { $0 + $1.region.byteCount }
        let size = writer.buffer.readableBytes - 4 + regionBytes
        guard size <= Int32.max else { throw ProtocolEncodingError(field: "response", kind: .tooLong(length: size, limit: Int(Int32.max))) }
        writer.buffer.setInteger(Int32(size), at: writer.buffer.readerIndex, endianness: .big)
        return ResponseFrame(buffer: writer.buffer, regions: writer.deferredRegions)
    }

    /// The answer to the request with `correlationId` at `apiVersion`: the response header version follows from the
    /// API's first flexible version, as for every request.
    static func answer<Body: KafkaResponse>(
        _ body: Body, apiVersion: Int16, correlationId: Int32
    ) throws(ProtocolEncodingError) -> ResponseFrame {
        let headerVersion = ResponseHeader.version(
            apiKey: Body.apiKey, apiVersion: apiVersion, firstFlexibleVersion: Body.firstFlexibleVersion)
        return try encode(body, version: apiVersion, header: ResponseHeader(correlationId: correlationId), headerVersion: headerVersion)
    }
}
