/// A service key as written: switched off (`imap: ~` or `imap: false`), or given.
enum ServiceField<Value: Sendable>: Sendable {
    case disabled
    case given(Value)
}
