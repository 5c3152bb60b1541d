import AutodiscoverCore
import Testing

/// The fixtures every renderer is rendered against: a name and the address asked about.
struct GoldenFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var address: String
    var testDescription: String { name }

    static let all: [GoldenFixture] = [
        GoldenFixture(name: "full", address: "alice@full.example"),
        GoldenFixture(name: "imap-only", address: "bob@imap-only.example"),
        GoldenFixture(name: "two-smtp", address: "carol@two-smtp.example"),
        GoldenFixture(name: "alias", address: "dave@alias.example"),
        GoldenFixture(name: "redirect-addr", address: "erin@redirect-addr.example"),
        GoldenFixture(name: "redirect-url", address: "frank@redirect-url.example"),
        GoldenFixture(name: "starttls-only", address: "grace@starttls.example"),
        GoldenFixture(name: "wildcard", address: "heidi@shop.wild.example"),
        GoldenFixture(name: "unicode", address: "jörg@bücher.example"),
    ]

    static let config: Configuration = {
        try! ConfigLoader().load(path: TestSupport.fixture("golden.yaml"))
    }()

    /// The answer the server gives for this fixture, at a fixed time.
    func response(_ renderer: any Renderer) throws -> AnswerEngine.Response {
        let request = renderer.sampleRequest(for: try EmailAddress(address), protocol: nil)
        return AnswerEngine().answer(request, renderer: renderer, config: Self.config, time: (0, 0))
    }
}
