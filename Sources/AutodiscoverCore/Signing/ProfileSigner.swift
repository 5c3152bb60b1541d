import COpenSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signs Apple configuration profiles: a DER CMS `SignedData` with the plist attached, SHA-256, signed
/// attributes (content type, message digest, signing time), the signer's and the chain's certificates
/// included (`CMS_sign` of OpenSSL's libcrypto, as `openssl cms -sign -nodetach -binary -outform DER`).
///
/// Loaded once per configuration and immutable after that: OpenSSL's certificate and key objects are
/// only read while signing, from any thread. Signed bytes are kept in a bounded cache, since a profile
/// is the same for every request of one address.
public final class ProfileSigner: @unchecked Sendable {
    private let certificate: OpaquePointer  // X509 *
    private let key: OpaquePointer  // EVP_PKEY *
    private let chain: OpaquePointer  // STACK_OF(X509) *
    /// The signer certificate's SHA-256 fingerprint, as `AB:CD:…`.
    public let fingerprint: String
    /// The signer certificate's subject, one line.
    public let subject: String
    /// When the signer certificate expires, in seconds since the epoch.
    public let notAfter: Int
    /// The files it was loaded from.
    public let files: [String]
    private let cache = Mutex(SignedCache())

    /// The most signed profiles kept, and the most bytes they may take together.
    public static let cacheEntries = 4096
    public static let cacheBytes = 32 << 20

    /// A problem with the signing files, naming the file.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// `certificate`, `key` or `chain`: the key of the `signing:` section at fault.
        public var key: String
        public var message: String
        public var description: String { message }
    }

    /// Loads and checks PEM files: the key matches the certificate, the certificate is valid now, each
    /// chain certificate issued the one before it.
    public init(certificate certificatePath: String, key keyPath: String, chain chainPath: String?, now: Int? = nil)
        throws(Problem)
    {
        let certificates = try Self.readCertificates(certificatePath, key: "certificate")
        guard let certificate = certificates.first else {
            throw Problem(key: "certificate", message: "\(certificatePath) holds no PEM certificate")
        }
        let extra = certificates.dropFirst()
        let chainCertificates = try chainPath.map { path throws(Problem) in try Self.readCertificates(path, key: "chain") } ?? []
        let all = certificates + chainCertificates
        func freeAll() { for cert in all { X509_free(cert) } }

        guard let key = Self.readKey(keyPath) else {
            freeAll()
            throw Problem(key: "key", message: "\(keyPath) holds no PEM private key (an unencrypted one is needed)")
        }
        guard X509_check_private_key(certificate, key) == 1 else {
            ERR_clear_error()
            EVP_PKEY_free(key)
            freeAll()
            throw Problem(key: "key", message: "\(keyPath) is not the private key of the certificate in \(certificatePath)")
        }
        let current = now ?? Int(time(nil))
        var moment = time_t(current)
        // Each problem's text is made while the certificates are still held, then they are freed.
        var problem: Problem?
        if X509_cmp_time(X509_get0_notAfter(certificate), &moment) < 0 {
            problem = Problem(
                key: "certificate",
                message: "\(certificatePath): the certificate expired (\(Self.text(X509_get0_notAfter(certificate))))")
        } else if X509_cmp_time(X509_get0_notBefore(certificate), &moment) > 0 {
            problem = Problem(
                key: "certificate",
                message: "\(certificatePath): the certificate is not valid before \(Self.text(X509_get0_notBefore(certificate)))")
        }
        // The chain in order: each certificate issued by the one after it.
        let ordered = [certificate] + Array(extra) + chainCertificates
        for index in ordered.indices.dropFirst()
        where problem == nil && X509_check_issued(ordered[index], ordered[index - 1]) != X509_V_OK {
            let file = index <= extra.count ? certificatePath : chainPath ?? certificatePath
            problem = Problem(
                key: index <= extra.count ? "certificate" : "chain",
                message:
                    "\(file): the chain is out of order: certificate \(index + 1) (\(Self.subject(ordered[index]))) did not issue \(Self.subject(ordered[index - 1]))"
            )
        }
        if let problem {
            EVP_PKEY_free(key)
            freeAll()
            throw problem
        }
        let stack = copenssl_x509_stack_new()!
        for cert in ordered.dropFirst() { _ = copenssl_x509_stack_push(stack, cert) }
        self.certificate = certificate
        self.key = key
        self.chain = stack
        fingerprint = Self.fingerprint(certificate)
        subject = Self.subject(certificate)
        notAfter = Self.epochSeconds(X509_get0_notAfter(certificate)) ?? current
        files = [certificatePath, keyPath] + (chainPath.map { [$0] } ?? [])
    }

    deinit {
        copenssl_x509_stack_pop_free(chain)
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// The signed profile (DER); nil only if OpenSSL fails (then the caller serves it unsigned and says so).
    public func sign(_ profile: [UInt8]) -> [UInt8]? {
        if let kept = cache.withLock({ $0.find(profile) }) { return kept }
        guard let signed = signUncached(profile) else { return nil }
        cache.withLock { $0.keep(profile, signed) }
        return signed
    }

    /// Signs without the cache (benchmarks, and what the cache is filled from).
    public func signUncached(_ profile: [UInt8]) -> [UInt8]? {
        // A memory BIO reads the bytes in place: it is used and freed while they are pinned.
        profile.withUnsafeBytes { bytes in
            let input = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(input) }
            return sign(input)
        }
    }

    private func sign(_ input: OpaquePointer?) -> [UInt8]? {
        guard let cms = CMS_sign(certificate, key, chain, input, UInt32(CMS_BINARY)) else {
            ERR_clear_error()
            return nil
        }
        defer { CMS_ContentInfo_free(cms) }
        let length = i2d_CMS_ContentInfo(cms, nil)
        guard length > 0 else { return nil }
        return [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            count = Int(i2d_CMS_ContentInfo(cms, &cursor))
        }
    }

    /// What a signed profile holds: the plist and the signer's fingerprint, when its signature verifies
    /// against the signer certificate it carries (the chain is not checked against a trust store).
    public static func verify(_ der: [UInt8]) -> (content: [UInt8], signer: String)? {
        der.withUnsafeBytes { bytes in
            let input = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(input) }
            return verify(input)
        }
    }

    private static func verify(_ input: OpaquePointer?) -> (content: [UInt8], signer: String)? {
        guard let cms = d2i_CMS_bio(input, nil) else {
            ERR_clear_error()
            return nil
        }
        defer { CMS_ContentInfo_free(cms) }
        let output = BIO_new(BIO_s_mem())
        defer { BIO_free(output) }
        guard CMS_verify(cms, nil, nil, nil, output, UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)) == 1,
            let signers = CMS_get0_signers(cms), copenssl_x509_stack_count(signers) > 0
        else {
            ERR_clear_error()
            return nil
        }
        let signer = fingerprint(copenssl_x509_stack_value(signers, 0))
        copenssl_x509_stack_free(signers)
        var data: UnsafeMutablePointer<CChar>?
        let count = copenssl_bio_mem_data(output, &data)
        let content = data.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        return (content.map { UInt8($0) }, signer)
    }

    /// Seconds until the certificate expires (negative once it has).
    public func secondsToExpiry(now: Int = Int(time(nil))) -> Int { notAfter - now }

    // MARK: - Reading files

    private static func readCertificates(_ path: String, key: String) throws(Problem) -> [OpaquePointer] {
        guard case .success(let bytes) = FileSystem.read(path) else { throw Problem(key: key, message: "\(path) cannot be read") }
        var certificates: [OpaquePointer] = []
        bytes.withUnsafeBytes { bytes in
            let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(bio) }
            while let cert = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(cert) }
        }
        ERR_clear_error()
        if certificates.isEmpty { throw Problem(key: key, message: "\(path) holds no PEM certificate") }
        return certificates
    }

    private static func readKey(_ path: String) -> OpaquePointer? {
        guard case .success(let bytes) = FileSystem.read(path) else { return nil }
        let key = bytes.withUnsafeBytes { bytes in
            let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        ERR_clear_error()
        return key
    }

    private static func fingerprint(_ certificate: OpaquePointer?) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        X509_digest(certificate, EVP_sha256(), &digest, &length)
        let hex = Array("0123456789ABCDEF".utf8)
        return digest.prefix(Int(length)).map { String(decoding: [hex[Int($0 >> 4)], hex[Int($0 & 15)]], as: UTF8.self) }
            .joined(separator: ":")
    }

    private static func subject(_ certificate: OpaquePointer?) -> String {
        guard let name = X509_get_subject_name(certificate), let line = X509_NAME_oneline(name, nil, 0) else { return "?" }
        defer { CRYPTO_free(line, #fileID, #line) }
        return String(cString: line)
    }

    private static func text(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        let bio = BIO_new(BIO_s_mem())
        defer { BIO_free(bio) }
        ASN1_TIME_print(bio, time)
        var data: UnsafeMutablePointer<CChar>?
        let count = copenssl_bio_mem_data(bio, &data)
        return data.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: count), as: UTF8.self) } ?? "?"
    }

    private static func epochSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Int(timegm(&parts))
    }
}

/// Signed profiles by their unsigned bytes, oldest dropped first, within both bounds.
private struct SignedCache {
    private var entries: [[UInt8]: [UInt8]] = [:]
    private var order: [[UInt8]] = []
    private var head = 0
    private var bytes = 0

    func find(_ profile: [UInt8]) -> [UInt8]? { entries[profile] }

    mutating func keep(_ profile: [UInt8], _ signed: [UInt8]) {
        guard entries[profile] == nil else { return }
        entries[profile] = signed
        order.append(profile)
        bytes += profile.count + signed.count
        while entries.count > ProfileSigner.cacheEntries || bytes > ProfileSigner.cacheBytes, head < order.count {
            let oldest = order[head]
            head += 1
            if let removed = entries.removeValue(forKey: oldest) { bytes -= oldest.count + removed.count }
        }
        if head > 4096 {
            order.removeFirst(head)
            head = 0
        }
    }
}
