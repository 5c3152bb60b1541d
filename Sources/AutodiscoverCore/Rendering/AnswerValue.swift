/// A request-dependent value inside a prepared answer: filled in per request, escaped for the format.
public enum AnswerValue: Sendable, Hashable {
    /// The full address `local@domain`.
    case address
    case localPart
    /// The address's domain (canonical ASCII).
    case addressDomain
    /// A login name from a template.
    case username(UsernameTemplate)
    /// The same for people: without an address, what to type in words ("your full email address"), never
    /// a placeholder such as `%EMAILADDRESS%` (the settings page).
    case usernameForPeople(UsernameTemplate)
    /// The domain the request was for (differs from the configured name for wildcards).
    case requestedDomain
    /// The same in Unicode, for people.
    case requestedDomainUnicode
    /// The address's local part at another domain (Outlook `redirectAddr`).
    case redirectAddress(DomainName)
    /// A UUID derived from the requested domain, the address and a salt (stable across requests).
    case stableUUID(salt: String)
    /// `autodiscover.<requested domain>.<digest of the address><suffix>`: a profile identifier that is
    /// stable for one mailbox and differs between mailboxes.
    case payloadIdentifier(suffix: String)
    /// `autodiscover.` + requested domain, unless configured.
    case autodiscoverURL(AutodiscoverEndpoint)
    /// The request's time as `HH:MM:SS.fffffff` (POX error documents).
    case time
    /// The account name the request supplied (Apple profile `name`), else the address.
    case accountName
    /// The answering domain's own name, display name and short display name: slots of an answer
    /// shared by the domains of one shape (``DomainSlot``).
    case domainName
    case displayName
    case displayShortName
    /// Whether Apple profiles are signed, as a sentence for people (the settings page).
    case profileSigning
}

/// How a filled-in value is escaped.
public enum Escaping: Sendable, Hashable {
    /// XML text and attribute values (also plist).
    case xml
    /// Inside a JSON string.
    case json
    /// Inside HTML text or attributes.
    case html
    /// Not escaped (operator templates with `escaping: none`).
    case none
}
