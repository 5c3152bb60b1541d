extension DomainRecords {
    /// The domain's group of a zone file: a comment line with its note, then a line per record.
    public var zoneText: String {
        var text = "; \(note)\n"
        for record in records {
            text += record.zoneLine
            text += "\n"
        }
        return text
    }

    /// The domain as one JSON object on one line: `domain`, `note`, `records` (each with `name`, `type`,
    /// `ttl` and the type's fields: `priority`, `weight`, `port`, `target`; `strings`; `target`).
    public var jsonLine: String {
        var json = JSONWriter()
        json.beginObject()
        json.field("domain", domain.ascii)
        json.field("note", note)
        json.key("records")
        json.beginArray()
        for record in records {
            json.beginObject()
            json.field("name", record.owner)
            json.field("type", record.type.rawValue)
            json.field("ttl", record.ttl)
            switch record.data {
            case .srv(let priority, let weight, let port, let target):
                json.field("priority", priority)
                json.field("weight", weight)
                json.field("port", port)
                json.field("target", target)
            case .txt(let strings):
                json.key("strings")
                json.beginArray()
                for string in strings { json.string(string) }
                json.endArray()
            case .cname(let target):
                json.field("target", target)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text
    }
}
