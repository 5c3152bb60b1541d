import AutodiscoverCore
import Foundation
import Mustache

/// A renderer an operator defines in YAML (`templates:`): a Mustache template rendered per domain into
/// literal bytes and address slots, kept and filled in like any built-in answer.
///
/// Values from the configuration are escaped by the template's escaping mode through Mustache content types
/// registered for it; values that depend on the request (the address, its parts, login names) are markers
/// in the rendered text, turned into ``AnswerValue`` slots the engine fills per request. A template is
/// rendered twice per domain: with an address (`has_address` true) and without one.
public struct TemplateRenderer: Renderer {
    public let id: RendererID
    public let routes: [RouteSpec]
    public let fileExtension: String
    public let escaping: Escaping
    let settings: TemplateSettings
    let template: MustacheTemplate
    let notFound: MustacheTemplate?
    let library: MustacheLibrary

    init(
        settings: TemplateSettings, template: MustacheTemplate, notFound: MustacheTemplate?, library: MustacheLibrary
    ) {
        self.settings = settings
        self.template = template
        self.notFound = notFound
        self.library = library
        id = RendererID(rawValue: settings.name)
        escaping = settings.escaping
        fileExtension =
            settings.escaping == .json ? "json" : settings.escaping == .none ? "txt" : settings.escaping == .xml ? "xml" : "html"
        routes = [RouteSpec(["GET", "HEAD"], settings.routePrefix, prefix: settings.addressInPath)]
    }

    public func read(_ request: IncomingRequest) throws(RequestError) -> RequestReading {
        switch settings.address {
        case .none:
            return RequestReading(renderer: id, address: nil)
        case .optional, .required:
            var address = try request.optionalAddress("emailaddress", "email")
            if address == nil, settings.addressInPath {
                address = try settings.addressFromPath(String(request.path))
            }
            if address == nil, settings.address == .required { throw .missingAddress }
            return RequestReading(renderer: id, address: address)
        }
    }

    public func write(_ domain: MailDomain, variant: String, into body: inout AnswerBuilder) -> AnswerHead {
        body.ifAddress { body in
            TemplateMarkers.write(render(TemplateContext.domain(domain, hasAddress: true)), into: &body)
        }
        body.ifNoAddress { body in
            TemplateMarkers.write(render(TemplateContext.domain(domain, hasAddress: false)), into: &body)
        }
        return AnswerHead(contentType: settings.contentType)
    }

    func render(_ context: TemplateContext) -> String {
        template.render(context.root, library: library)
    }

    public func errorDocument(_ error: AnswerError) -> PreparedAnswer {
        if error == .notFound, let notFound {
            var body = AnswerBuilder(escaping: escaping, slotsForDomain: false)
            body.ifAddress {
                TemplateMarkers.write(
                    notFound.render(TemplateContext.noDomain(hasAddress: true).root, library: library), into: &$0)
            }
            body.ifNoAddress {
                TemplateMarkers.write(
                    notFound.render(TemplateContext.noDomain(hasAddress: false).root, library: library), into: &$0)
            }
            return PreparedAnswer(contentType: settings.contentType, segments: body.finish())
        }
        let text =
            switch error {
            case .notFound: "No configuration for this domain.\n"
            case .badRequest(let reason): "Bad request: \(reason).\n"
            case .methodNotAllowed: "Use GET.\n"
            case .unavailable: "The settings for this domain are being looked up; try again.\n"
            }
        return PreparedAnswer(contentType: "text/plain; charset=utf-8", segments: [.literal(Array(text.utf8))])
    }

    public func sampleRequest(for address: EmailAddress, protocol: String?) -> IncomingRequest {
        let path =
            settings.addressInPath ? settings.path.replacingOccurrences(of: "{email}", with: address.description) : settings.path
        let query = settings.addressInPath || settings.address == .none ? "" : "?emailaddress=\(address.description)"
        return IncomingRequest(method: "GET", target: path + query, host: address.domain.ascii)
    }
}
