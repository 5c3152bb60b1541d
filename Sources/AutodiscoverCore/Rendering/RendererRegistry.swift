/// The single list of renderers: the server adds their routes, `render --format` offers their ids,
/// and the golden tests cover each against every fixture.
public struct RendererRegistry: Sendable {
    public let renderers: [any Renderer]
    private let byID: [RendererID: Int]

    public init(_ renderers: [any Renderer]) {
        self.renderers = renderers
        var byID: [RendererID: Int] = [:]
        for (index, renderer) in renderers.enumerated() {
            precondition(byID[renderer.id] == nil, "two renderers named \(renderer.id)")
            byID[renderer.id] = index
        }
        self.byID = byID
    }

    public subscript(id: RendererID) -> (any Renderer)? {
        byID[id].map { renderers[$0] }
    }

    public var ids: [RendererID] { renderers.map(\.id) }
}

extension RendererRegistry {
    /// Every built-in format. A new format is one new file in `Renderers/` plus one line here.
    public static let standard = RendererRegistry([
        OutlookPOXRenderer(),
        MobileSyncRenderer(),
        AutodiscoverV2JSONRenderer(),
        ThunderbirdAutoconfigRenderer(),
        PACCRenderer(),
        MobileconfigRenderer(),
        SettingsPageRenderer(),
        WellKnownDAVRenderer(),
    ])
}
