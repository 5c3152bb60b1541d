import COpenSSL

/// Message digests from OpenSSL's libcrypto (Debian: libssl-dev): the project computes none by hand.
public enum Digest {
    /// SHA-256 (FIPS 180-4): the PACC document's digest that DNS publishes.
    public static func sha256(_ message: some Collection<UInt8>) -> [UInt8] {
        hash(message, length: Int(SHA256_DIGEST_LENGTH)) { SHA256($0, $1, $2) }
    }

    /// SHA-1, only for deriving stable identifiers such as name-based UUIDs (RFC 4122 version 5); nothing
    /// that needs collision resistance.
    public static func sha1(_ message: some Collection<UInt8>) -> [UInt8] {
        hash(message, length: Int(SHA_DIGEST_LENGTH)) { SHA1($0, $1, $2) }
    }

    private static func hash(
        _ message: some Collection<UInt8>, length: Int,
        _ function: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?) -> UnsafeMutablePointer<UInt8>?
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { digest, count in
            let done: Void? = message.withContiguousStorageIfAvailable { bytes in
                _ = function(bytes.baseAddress, bytes.count, digest.baseAddress)
            }
            if done == nil {
                let copy = Array(message)
                copy.withUnsafeBufferPointer { bytes in _ = function(bytes.baseAddress, bytes.count, digest.baseAddress) }
            }
            count = length
        }
    }
}

/// Base64 (RFC 4648 §4, with padding), by libcrypto's `EVP_EncodeBlock`.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        let length = (bytes.count + 2) / 3 * 4
        // EVP_EncodeBlock writes a terminating NUL after the text.
        let text = [UInt8](unsafeUninitializedCapacity: length + 1) { out, count in
            count = bytes.withUnsafeBufferPointer { Int(EVP_EncodeBlock(out.baseAddress, $0.baseAddress, Int32($0.count))) }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
