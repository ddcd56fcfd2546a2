/// One HTTP request, whole: the metrics and console endpoints answer small requests, so the body is read into memory
/// (under `HttpServer.maxBodyBytes`) before any handler runs.
public struct HttpRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoded ("/zk/brokers/ids").
    public var path: String
    /// Query parameters, then form fields of an `application/x-www-form-urlencoded` body; the last value wins.
    public var parameters: [String: String]
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, path: String, parameters: [String: String] = [:], headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.parameters = parameters
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// One HTTP answer.
public struct HttpResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int = 200, contentType: String, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public static func text(_ text: String, status: Int = 200) -> HttpResponse {
        HttpResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func html(_ html: String, status: Int = 200) -> HttpResponse {
        HttpResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    /// A POST handled: back to `location` (Post/Redirect/Get, so a reload does not repeat the action).
    public static func redirect(to location: String) -> HttpResponse {
        HttpResponse(status: 303, contentType: "text/plain; charset=utf-8", headers: [("Location", location)], body: [])
    }

    public static let notFound = HttpResponse.text("Not found\n", status: 404)
}

/// Something that answers some HTTP paths; nil passes the request on to the next responder.
public protocol HttpResponder: Sendable {
    func respond(to request: HttpRequest) async -> HttpResponse?
}
